-- Support desk: tickets (the record as JSON; the version column is the compare-and-swap of
-- optimistic concurrency; references are unique per tenant; status is kept beside the record
-- so the SLA sweep reads only active tickets) and each tenant's support configuration
-- (calendars, SLA policies, routing rules), versioned the same way.

CREATE TABLE support_tickets (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    reference   TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL,
    record      JSONB NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE INDEX support_tickets_active ON support_tickets (status, tenant_id);

CREATE TABLE support_config (
    tenant_id  UUID PRIMARY KEY REFERENCES tenants (id),
    version    BIGINT NOT NULL,
    record     JSONB NOT NULL
);
