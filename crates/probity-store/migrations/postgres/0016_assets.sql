-- The asset inventory: one JSON record per asset; the name is unique per tenant (the CSV
-- import reports a taken name as that row's error).

CREATE TABLE assets (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    name       TEXT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference),
    UNIQUE (tenant_id, name)
);
