-- Notifications: channels, routing rules, notifications and the delivery log.
-- Secrets (webhook signing secret, Slack URL, PagerDuty routing key) are ciphertexts of the
-- tenant's keyring; deliveries keep no foreign key to channels so the log outlives a channel.

CREATE TABLE notify_channels (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    config     JSONB NOT NULL,
    secret     BYTEA,
    enabled    BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE notify_rules (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    kind_prefix  TEXT NOT NULL,
    min_severity TEXT NOT NULL,
    channels     JSONB NOT NULL,
    escalation   JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE notifications (
    id               UUID PRIMARY KEY,
    tenant_id        UUID NOT NULL REFERENCES tenants (id),
    kind             TEXT NOT NULL,
    severity         TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    link             TEXT,
    dedup_key        TEXT NOT NULL,
    escalation       JSONB NOT NULL,
    escalation_level INTEGER NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    acknowledged_at  TIMESTAMPTZ,
    acknowledged_by  TEXT
);
CREATE INDEX notifications_tenant ON notifications (tenant_id, id);
CREATE UNIQUE INDEX notifications_open_dedup ON notifications (tenant_id, dedup_key)
    WHERE acknowledged_at IS NULL;

CREATE TABLE notify_deliveries (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id),
    notification_id UUID NOT NULL REFERENCES notifications (id),
    channel_id      UUID NOT NULL,
    level           INTEGER NOT NULL,
    event           TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    max_attempts    INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    last_error      TEXT,
    response_status INTEGER,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ
);
CREATE INDEX notify_deliveries_channel ON notify_deliveries (tenant_id, channel_id, id);
CREATE INDEX notify_deliveries_notification ON notify_deliveries (notification_id, id);
