-- The risk register (a tenant's matrix and appetite; risks whose version column is compared and
-- swapped; their score history) and exceptions / risk acceptances (state compared and swapped).

CREATE TABLE risk_settings (
    tenant_id  BLOB PRIMARY KEY REFERENCES tenants (id),
    record     TEXT NOT NULL
);

CREATE TABLE risks (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE risk_scores (
    risk_id    BLOB NOT NULL REFERENCES risks (id),
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    seq        INTEGER NOT NULL,
    record     TEXT NOT NULL,
    PRIMARY KEY (risk_id, seq)
);

CREATE TABLE governance_exceptions (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    reference    TEXT NOT NULL,
    state        TEXT NOT NULL,
    record       TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);
