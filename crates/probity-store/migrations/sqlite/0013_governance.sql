-- Governance: policies, their immutable versions (the state column is what a workflow step
-- compares and swaps; the rest of a version never changes once written) and acknowledgments,
-- one per person and version.

CREATE TABLE policies (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    key        TEXT NOT NULL,
    record     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE TABLE policy_versions (
    policy_id  BLOB NOT NULL REFERENCES policies (id),
    number     INTEGER NOT NULL,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    state      TEXT NOT NULL,
    record     TEXT NOT NULL,
    PRIMARY KEY (policy_id, number)
);

CREATE TABLE policy_acknowledgments (
    policy_id  BLOB NOT NULL REFERENCES policies (id),
    version    INTEGER NOT NULL,
    by_id      TEXT NOT NULL,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    record     TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (policy_id, version, by_id)
);
