-- OSCAL documents a tenant imported into its catalog (catalogs, resolved profiles, component
-- definitions): the document as imported (a profile as its resolved catalog), the framework
-- view derived from it, and the SHA-256 of the bytes, imported once per tenant.

CREATE TABLE catalog_imports (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    model         TEXT NOT NULL,
    title         TEXT NOT NULL,
    version       TEXT NOT NULL,
    oscal_version TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    items         BIGINT NOT NULL,
    resolved_with UUID,
    framework     JSONB,
    document      JSONB NOT NULL,
    imported_at   TIMESTAMPTZ NOT NULL,
    imported_by   UUID,
    UNIQUE (tenant_id, sha256)
);
