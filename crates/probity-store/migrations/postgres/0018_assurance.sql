-- Assurance: evidence (items, append-only versions, encrypted content by SHA-256 address,
-- freezes), compliance assessments, control tests with their runs, decision policies.
-- Versions, content and freezes are append-only: a trigger refuses updates and deletes, so a
-- frozen audit period cannot change underneath its manifest.

CREATE TABLE evidence_items (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    current    BIGINT NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE evidence_versions (
    evidence_id UUID NOT NULL REFERENCES evidence_items (id),
    number      BIGINT NOT NULL,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    sha256      TEXT NOT NULL,
    record      JSONB NOT NULL,
    PRIMARY KEY (evidence_id, number)
);
CREATE INDEX evidence_versions_tenant ON evidence_versions (tenant_id);

CREATE TABLE evidence_content (
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    ciphertext BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE evidence_freezes (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    frozen_at  TIMESTAMPTZ NOT NULL,
    record     JSONB NOT NULL
);
CREATE INDEX evidence_freezes_tenant ON evidence_freezes (tenant_id, frozen_at);

CREATE FUNCTION probity_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER evidence_versions_append_only BEFORE UPDATE OR DELETE ON evidence_versions
    FOR EACH ROW EXECUTE FUNCTION probity_append_only();
CREATE TRIGGER evidence_content_append_only BEFORE UPDATE OR DELETE ON evidence_content
    FOR EACH ROW EXECUTE FUNCTION probity_append_only();
CREATE TRIGGER evidence_freezes_append_only BEFORE UPDATE OR DELETE ON evidence_freezes
    FOR EACH ROW EXECUTE FUNCTION probity_append_only();

CREATE TABLE compliance_assessments (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    version    BIGINT NOT NULL,
    revision   BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    record     JSONB NOT NULL,
    UNIQUE (tenant_id, reference, version)
);

CREATE TABLE control_tests (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    key         TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    next_run_at TIMESTAMPTZ,
    record      JSONB NOT NULL,
    UNIQUE (tenant_id, key)
);
CREATE INDEX control_tests_due ON control_tests (next_run_at) WHERE enabled;

CREATE TABLE control_test_runs (
    id         UUID PRIMARY KEY,
    test_id    UUID NOT NULL REFERENCES control_tests (id),
    tenant_id  UUID NOT NULL REFERENCES tenants (id),
    started_at TIMESTAMPTZ NOT NULL,
    record     JSONB NOT NULL
);
CREATE INDEX control_test_runs_test ON control_test_runs (tenant_id, test_id, started_at);

CREATE TABLE decision_policies (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    key       TEXT NOT NULL,
    record    JSONB NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
