-- Privacy: data subject requests and breaches (the record as JSON; the version column is the
-- compare-and-swap of optimistic concurrency; references are unique per tenant), and each
-- tenant's privacy settings (the public holidays business-day clocks skip), and the records of
-- processing activities (GDPR Art. 30; names and references unique per tenant).

CREATE TABLE privacy_requests (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    reference    TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL,
    record       JSONB NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE privacy_breaches (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    aware_at   TIMESTAMPTZ NOT NULL,
    version    BIGINT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE privacy_settings (
    tenant_id  UUID PRIMARY KEY REFERENCES tenants (id),
    record     JSONB NOT NULL
);

CREATE TABLE privacy_activities (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference),
    UNIQUE (tenant_id, name)
);
