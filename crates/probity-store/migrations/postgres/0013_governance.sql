-- Governance: policies, their immutable versions (the state column is what a workflow step
-- compares and swaps; the rest of a version never changes once written) and acknowledgments,
-- one per person and version.

CREATE TABLE policies (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    key        TEXT NOT NULL,
    record     JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE TABLE policy_versions (
    policy_id  UUID NOT NULL REFERENCES policies (id),
    number     INTEGER NOT NULL,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    state      TEXT NOT NULL,
    record     JSONB NOT NULL,
    PRIMARY KEY (policy_id, number)
);

CREATE TABLE policy_acknowledgments (
    policy_id  UUID NOT NULL REFERENCES policies (id),
    version    INTEGER NOT NULL,
    by_id      TEXT NOT NULL,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    record     JSONB NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (policy_id, version, by_id)
);
