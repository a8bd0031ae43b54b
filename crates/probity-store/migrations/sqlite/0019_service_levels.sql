-- Service levels: services, versioned SLOs (an SLA is an SLO with a credit schedule), their
-- measurements aggregated into 5-minute slices (good and total events, and a latency sketch),
-- violations and service credits. Records are JSON documents; the columns beside them are
-- what the database enforces (unique keys, one credit per SLA window, the version for
-- compare-and-swap) or selects by.

CREATE TABLE sl_services (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    key        TEXT NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE TABLE slos (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    version    INTEGER NOT NULL,
    ingests    INTEGER NOT NULL DEFAULT 0,
    record     TEXT NOT NULL
);
CREATE INDEX slos_tenant ON slos (tenant_id);

-- start_s: the slice start in seconds since the Unix epoch (a multiple of 300).
CREATE TABLE slo_slices (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    slo_id     BLOB NOT NULL REFERENCES slos (id),
    start_s    INTEGER NOT NULL,
    good       INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    sketch     BLOB,
    PRIMARY KEY (slo_id, start_s)
);

CREATE TABLE slo_violations (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    slo_id     BLOB NOT NULL REFERENCES slos (id),
    started_at TEXT NOT NULL,
    is_open    INTEGER NOT NULL,
    record     TEXT NOT NULL
);
CREATE INDEX slo_violations_tenant ON slo_violations (tenant_id, started_at);

CREATE TABLE slo_credits (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    slo_id       BLOB NOT NULL REFERENCES slos (id),
    window_start TEXT NOT NULL,
    status       TEXT NOT NULL,
    record       TEXT NOT NULL,
    UNIQUE (slo_id, window_start)
);
CREATE INDEX slo_credits_tenant ON slo_credits (tenant_id, window_start);
