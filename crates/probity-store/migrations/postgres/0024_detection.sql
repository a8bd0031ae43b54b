-- Detection rules and alerts (issue #4). Rules and alerts are JSON documents; name, version,
-- status and created_at are beside them for uniqueness, compare-and-swap and listing. The
-- cursor is the first ledger index not yet evaluated, moved with a compare-and-swap in the
-- transaction that stores the alerts it found.

CREATE TABLE detection_rules (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE detection_cursor (
    tenant_id  UUID PRIMARY KEY,
    next_index BIGINT NOT NULL
);

CREATE TABLE detection_alerts (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    status     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    record     JSONB NOT NULL
);
CREATE INDEX detection_alerts_tenant ON detection_alerts (tenant_id, created_at);
