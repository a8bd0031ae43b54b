-- Calendar feeds: secret URLs calendar apps subscribe to. Only the SHA-256 of a feed's token
-- is stored (unique: it is how a feed read finds its feed). The record is a JSON document;
-- owner_id and revoked_at are beside it because listing and revoking select by them.

CREATE TABLE calendar_feeds (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    owner_id    TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    record      JSONB NOT NULL
);
CREATE INDEX calendar_feeds_owner ON calendar_feeds (tenant_id, owner_id);
