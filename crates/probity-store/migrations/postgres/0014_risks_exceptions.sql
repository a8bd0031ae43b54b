-- The risk register (a tenant's matrix and appetite; risks whose version column is compared and
-- swapped; their score history) and exceptions / risk acceptances (state compared and swapped).

CREATE TABLE risk_settings (
    tenant_id  UUID PRIMARY KEY REFERENCES tenants (id),
    record     JSONB NOT NULL
);

CREATE TABLE risks (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE risk_scores (
    risk_id    UUID NOT NULL REFERENCES risks (id),
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    seq        INTEGER NOT NULL,
    record     JSONB NOT NULL,
    PRIMARY KEY (risk_id, seq)
);

CREATE TABLE governance_exceptions (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    reference    TEXT NOT NULL,
    state        TEXT NOT NULL,
    record       JSONB NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, reference)
);
