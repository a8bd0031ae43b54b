-- The asset inventory: one JSON record per asset; the name is unique per tenant (the CSV
-- import reports a taken name as that row's error).

CREATE TABLE assets (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    name       TEXT NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, reference),
    UNIQUE (tenant_id, name)
);
