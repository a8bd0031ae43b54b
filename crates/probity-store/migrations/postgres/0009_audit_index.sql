-- The audit search projection (ADR 0007, ADR 0014): one row per ledger entry of a tenant,
-- derived from the ledger by the indexer and rebuildable from it. Times are microseconds since
-- the Unix epoch; list columns hold ids between 0x1F separators so a LIKE finds one exactly.
CREATE TABLE audit_index (
    id            BIGSERIAL PRIMARY KEY,
    tenant_id     UUID NOT NULL,
    seq           BIGINT NOT NULL,
    source        TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    category      TEXT NOT NULL,
    severity      BIGINT NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT,
    resource_id   TEXT,
    outcome       TEXT NOT NULL,
    ip            TEXT,
    control_ids   TEXT NOT NULL,
    subject_ids   TEXT NOT NULL,
    risk          DOUBLE PRECISION,
    occurred_us   BIGINT NOT NULL,
    recorded_us   BIGINT NOT NULL,
    message       TEXT,
    payload       JSONB NOT NULL,
    -- Full text over the words of the row ('simple': no stemming, no stop words, like FTS5).
    search        TSVECTOR NOT NULL,
    UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_index_recorded ON audit_index (tenant_id, recorded_us);
CREATE INDEX audit_index_type ON audit_index (tenant_id, event_type, seq);
CREATE INDEX audit_index_actor ON audit_index (tenant_id, actor_id, seq);
CREATE INDEX audit_index_resource ON audit_index (tenant_id, resource_type, resource_id, seq);
CREATE INDEX audit_index_search ON audit_index USING GIN (search);

-- How far each tenant's projection has got: entries below next_seq are indexed.
CREATE TABLE audit_index_cursor (
    tenant_id UUID PRIMARY KEY,
    next_seq  BIGINT NOT NULL
);
