-- Training assignments on policies and policy violations: JSON records keyed by policy.

CREATE TABLE policy_trainings (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    policy_id   UUID NOT NULL REFERENCES policies (id),
    assigned_at TIMESTAMPTZ NOT NULL,
    record      JSONB NOT NULL
);

CREATE INDEX policy_trainings_policy ON policy_trainings (tenant_id, policy_id, assigned_at);

CREATE TABLE policy_violations (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    policy_id   UUID NOT NULL REFERENCES policies (id),
    reported_at TIMESTAMPTZ NOT NULL,
    record      JSONB NOT NULL
);

CREATE INDEX policy_violations_policy ON policy_violations (tenant_id, policy_id, reported_at);
