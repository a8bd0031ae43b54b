-- Regulatory change records: the diff's counts and one task per affected control, kept as one
-- JSON document per record (tasks change together and are always read with their record).

CREATE TABLE catalog_changes (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    record     JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX catalog_changes_tenant ON catalog_changes (tenant_id, created_at);
