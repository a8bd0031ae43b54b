-- Compliance catalog: a tenant's state over the shipped catalog (which lives in the binary).
-- Control states are one row per (tenant, control); decisions are append-only, each holding
-- the link it decided on (with its hash) as it was at decision time.

CREATE TABLE catalog_control_states (
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    control_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    owner      TEXT,
    note       TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID,
    PRIMARY KEY (tenant_id, control_id)
);

CREATE TABLE catalog_link_decisions (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    link_hash  TEXT NOT NULL,
    link       JSONB NOT NULL,
    outcome    TEXT NOT NULL,
    rationale  TEXT NOT NULL,
    decided_by UUID,
    decided_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX catalog_link_decisions_tenant ON catalog_link_decisions (tenant_id, decided_at);
