-- Training assignments on policies and policy violations: JSON records keyed by policy.

CREATE TABLE policy_trainings (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    policy_id   BLOB NOT NULL REFERENCES policies (id),
    assigned_at TEXT NOT NULL,
    record      TEXT NOT NULL
);

CREATE INDEX policy_trainings_policy ON policy_trainings (tenant_id, policy_id, assigned_at);

CREATE TABLE policy_violations (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    policy_id   BLOB NOT NULL REFERENCES policies (id),
    reported_at TEXT NOT NULL,
    record      TEXT NOT NULL
);

CREATE INDEX policy_violations_policy ON policy_violations (tenant_id, policy_id, reported_at);
