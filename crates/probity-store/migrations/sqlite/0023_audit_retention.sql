-- Audit retention (ADR 0020): one saved policy per tenant (absent: the built-in seven years,
-- critical ten) and legal holds. The records are JSON documents; `version` and `active` are
-- beside them because saving compares the version and listing selects active holds.

CREATE TABLE audit_retention_policies (
    tenant_id  BLOB PRIMARY KEY REFERENCES tenants (id),
    version    INTEGER NOT NULL,
    record     TEXT NOT NULL
);

CREATE TABLE legal_holds (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    active      INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    record      TEXT NOT NULL
);
CREATE INDEX legal_holds_tenant ON legal_holds (tenant_id, active, created_at);
