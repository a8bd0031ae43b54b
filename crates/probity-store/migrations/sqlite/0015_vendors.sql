-- Third-party risk: vendors, questionnaires sent to them (the respondent token is kept only as
-- its SHA-256, unique across the installation because the token alone opens its assessment),
-- and files respondents upload, kept apart from the answers.

CREATE TABLE vendors (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE vendor_assessments (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    vendor_id  BLOB NOT NULL REFERENCES vendors (id),
    token_hash TEXT NOT NULL UNIQUE,
    state      TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    record     TEXT NOT NULL
);

CREATE INDEX vendor_assessments_vendor ON vendor_assessments (tenant_id, vendor_id, sent_at);

CREATE TABLE vendor_files (
    assessment_id BLOB NOT NULL REFERENCES vendor_assessments (id),
    question_id   TEXT NOT NULL,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    name          TEXT NOT NULL,
    content       BLOB NOT NULL,
    PRIMARY KEY (assessment_id, question_id)
);
