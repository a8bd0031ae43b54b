-- The audit search projection (ADR 0007, ADR 0014): one row per ledger entry of a tenant,
-- derived from the ledger by the indexer and rebuildable from it. Times are microseconds since
-- the Unix epoch; list columns hold ids between 0x1F separators so a LIKE finds one exactly.
CREATE TABLE audit_index (
    id            INTEGER PRIMARY KEY,
    tenant_id     BLOB NOT NULL,
    seq           INTEGER NOT NULL,
    source        TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    category      TEXT NOT NULL,
    severity      INTEGER NOT NULL,
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
    risk          REAL,
    occurred_us   INTEGER NOT NULL,
    recorded_us   INTEGER NOT NULL,
    message       TEXT,
    payload       TEXT NOT NULL,
    UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_index_recorded ON audit_index (tenant_id, recorded_us);
CREATE INDEX audit_index_type ON audit_index (tenant_id, event_type, seq);
CREATE INDEX audit_index_actor ON audit_index (tenant_id, actor_id, seq);
CREATE INDEX audit_index_resource ON audit_index (tenant_id, resource_type, resource_id, seq);

-- Full text: a contentless FTS5 index over the words of each row (rowid = audit_index.id),
-- written in the same transaction as the row.
CREATE VIRTUAL TABLE audit_fts USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- How far each tenant's projection has got: entries below next_seq are indexed.
CREATE TABLE audit_index_cursor (
    tenant_id BLOB PRIMARY KEY,
    next_seq  INTEGER NOT NULL
);
