-- Privacy, completing the record of processing (GDPR Art. 30): data protection impact
-- assessments, retention schedules per data category and the reports of their runs. The
-- record is JSON as in 0022; `revision` (DPIAs) and `version` (schedules) are the
-- compare-and-swap of optimistic concurrency; references are unique per tenant.
--
-- Processing activities gain fields (Art. 9 condition, processors, security measures,
-- transfer mechanism) inside their JSON record: they default when a record written before
-- this migration is read, so no column changes and no rewrite of stored rows is needed.

CREATE TABLE privacy_dpias (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE privacy_retention_schedules (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    version    BIGINT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE privacy_retention_runs (
    id           UUID PRIMARY KEY,
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    schedule_id  UUID NOT NULL REFERENCES privacy_retention_schedules (id),
    ran_at       TIMESTAMPTZ NOT NULL,
    record       JSONB NOT NULL
);

CREATE INDEX privacy_retention_runs_by_tenant ON privacy_retention_runs (tenant_id, ran_at);
