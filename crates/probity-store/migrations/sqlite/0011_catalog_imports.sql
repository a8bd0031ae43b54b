-- OSCAL documents a tenant imported into its catalog (catalogs, resolved profiles, component
-- definitions): the document as imported (a profile as its resolved catalog), the framework
-- view derived from it, and the SHA-256 of the bytes, imported once per tenant.

CREATE TABLE catalog_imports (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    model         TEXT NOT NULL,
    title         TEXT NOT NULL,
    version       TEXT NOT NULL,
    oscal_version TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    items         BIGINT NOT NULL,
    resolved_with BLOB,
    framework     TEXT,
    document      TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    imported_by   BLOB,
    UNIQUE (tenant_id, sha256)
);
