-- Reports: the history of generated reports (the record as JSON, the file encrypted under the
-- tenant's key) and report schedules (the version column is the compare-and-swap that lets
-- one node claim each due occurrence).

CREATE TABLE reports (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    created_at  TIMESTAMPTZ NOT NULL,
    record      JSONB NOT NULL,
    content     BYTEA NOT NULL
);
CREATE INDEX reports_tenant_created ON reports (tenant_id, created_at DESC);

CREATE TABLE report_schedules (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL,
    next_run_at  TIMESTAMPTZ NOT NULL,
    version      BIGINT NOT NULL,
    record       JSONB NOT NULL
);
CREATE INDEX report_schedules_due ON report_schedules (enabled, next_run_at);
CREATE INDEX report_schedules_tenant ON report_schedules (tenant_id);
