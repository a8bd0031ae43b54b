-- Audit retention (ADR 0020): one saved policy per tenant (absent: the built-in seven years,
-- critical ten) and legal holds. The records are JSON documents; `version` and `active` are
-- beside them because saving compares the version and listing selects active holds.

CREATE TABLE audit_retention_policies (
    tenant_id  UUID PRIMARY KEY REFERENCES tenants (id),
    version    BIGINT NOT NULL,
    record     JSONB NOT NULL
);

CREATE TABLE legal_holds (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    active      BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    record      JSONB NOT NULL
);
CREATE INDEX legal_holds_tenant ON legal_holds (tenant_id, active, created_at);
