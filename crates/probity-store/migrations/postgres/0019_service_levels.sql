-- Service levels: services, versioned SLOs (an SLA is an SLO with a credit schedule), their
-- measurements aggregated into 5-minute slices (good and total events, and a latency sketch),
-- violations and service credits. Records are JSON documents; the columns beside them are
-- what the database enforces (unique keys, one credit per SLA window, the version for
-- compare-and-swap) or selects by.

CREATE TABLE sl_services (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    key        TEXT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE TABLE slos (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    version    BIGINT NOT NULL,
    ingests    BIGINT NOT NULL DEFAULT 0,
    record     JSONB NOT NULL
);
CREATE INDEX slos_tenant ON slos (tenant_id);

-- start_s: the slice start in seconds since the Unix epoch (a multiple of 300).
CREATE TABLE slo_slices (
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    slo_id     UUID NOT NULL REFERENCES slos (id),
    start_s    BIGINT NOT NULL,
    good       BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    sketch     BYTEA,
    PRIMARY KEY (slo_id, start_s)
);

CREATE TABLE slo_violations (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    slo_id     UUID NOT NULL REFERENCES slos (id),
    started_at TIMESTAMPTZ NOT NULL,
    is_open    BOOLEAN NOT NULL,
    record     JSONB NOT NULL
);
CREATE INDEX slo_violations_tenant ON slo_violations (tenant_id, started_at);

CREATE TABLE slo_credits (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    slo_id       UUID NOT NULL REFERENCES slos (id),
    window_start TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,
    record       JSONB NOT NULL,
    UNIQUE (slo_id, window_start)
);
CREATE INDEX slo_credits_tenant ON slo_credits (tenant_id, window_start);
