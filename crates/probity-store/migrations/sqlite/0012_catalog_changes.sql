-- Regulatory change records: the diff's counts and one task per affected control, kept as one
-- JSON document per record (tasks change together and are always read with their record).

CREATE TABLE catalog_changes (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    record     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX catalog_changes_tenant ON catalog_changes (tenant_id, created_at);
