-- Reports: the history of generated reports (the record as JSON, the file encrypted under the
-- tenant's key) and report schedules (the version column is the compare-and-swap that lets
-- one node claim each due occurrence).

CREATE TABLE reports (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    created_at  TEXT NOT NULL,
    record      TEXT NOT NULL,
    content     BLOB NOT NULL
);
CREATE INDEX reports_tenant_created ON reports (tenant_id, created_at DESC);

CREATE TABLE report_schedules (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    next_run_at  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    record       TEXT NOT NULL
);
CREATE INDEX report_schedules_due ON report_schedules (enabled, next_run_at);
CREATE INDEX report_schedules_tenant ON report_schedules (tenant_id);
