-- Assurance: evidence (items, append-only versions, encrypted content by SHA-256 address,
-- freezes), compliance assessments, control tests with their runs, decision policies.
-- Versions, content and freezes are append-only: triggers refuse updates and deletes, so a
-- frozen audit period cannot change underneath its manifest.

CREATE TABLE evidence_items (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    current    INTEGER NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE evidence_versions (
    evidence_id BLOB NOT NULL REFERENCES evidence_items (id),
    number      INTEGER NOT NULL,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    sha256      TEXT NOT NULL,
    record      TEXT NOT NULL,
    PRIMARY KEY (evidence_id, number)
);
CREATE INDEX evidence_versions_tenant ON evidence_versions (tenant_id);

CREATE TABLE evidence_content (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE evidence_freezes (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    frozen_at  TEXT NOT NULL,
    record     TEXT NOT NULL
);
CREATE INDEX evidence_freezes_tenant ON evidence_freezes (tenant_id, frozen_at);

CREATE TRIGGER evidence_versions_append_only_u BEFORE UPDATE ON evidence_versions
BEGIN SELECT RAISE(ABORT, 'evidence versions are append-only'); END;
CREATE TRIGGER evidence_versions_append_only_d BEFORE DELETE ON evidence_versions
BEGIN SELECT RAISE(ABORT, 'evidence versions are append-only'); END;
CREATE TRIGGER evidence_content_append_only_u BEFORE UPDATE ON evidence_content
BEGIN SELECT RAISE(ABORT, 'evidence content is append-only'); END;
CREATE TRIGGER evidence_content_append_only_d BEFORE DELETE ON evidence_content
BEGIN SELECT RAISE(ABORT, 'evidence content is append-only'); END;
CREATE TRIGGER evidence_freezes_append_only_u BEFORE UPDATE ON evidence_freezes
BEGIN SELECT RAISE(ABORT, 'evidence freezes are immutable'); END;
CREATE TRIGGER evidence_freezes_append_only_d BEFORE DELETE ON evidence_freezes
BEGIN SELECT RAISE(ABORT, 'evidence freezes are immutable'); END;

CREATE TABLE compliance_assessments (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, reference, version)
);

CREATE TABLE control_tests (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    key         TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    next_run_at TEXT,
    record      TEXT NOT NULL,
    UNIQUE (tenant_id, key)
);
CREATE INDEX control_tests_due ON control_tests (next_run_at) WHERE enabled = 1;

CREATE TABLE control_test_runs (
    id         BLOB PRIMARY KEY,
    test_id    BLOB NOT NULL REFERENCES control_tests (id),
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    started_at TEXT NOT NULL,
    record     TEXT NOT NULL
);
CREATE INDEX control_test_runs_test ON control_test_runs (tenant_id, test_id, started_at);

CREATE TABLE decision_policies (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    key       TEXT NOT NULL,
    record    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
