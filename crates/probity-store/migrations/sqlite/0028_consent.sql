-- Privacy: the consent ledger and subject access exports.
--
-- consent_purposes: the purposes a tenant asks consent for (key unique per tenant; the record
-- as JSON, the version column the compare-and-swap of optimistic concurrency).
-- consent_events: every grant and withdrawal, append-only. audit_id names the audit record
-- written in the same transaction; its ledger_seq (audit_events) is the event's ledger index.
-- client_id, when the client gave one, makes a retried import or post idempotent.
-- privacy_exports: the zip built for a data subject request (access, portability, know), with
-- its SHA-256 and manifest; the archive is kept so the copy handed over can be shown again.

CREATE TABLE consent_purposes (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    key        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, key)
);

CREATE TABLE consent_events (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    client_id    TEXT,
    subject_id   TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    action       TEXT NOT NULL,
    occurred_at  TEXT NOT NULL,
    audit_id     BLOB NOT NULL,
    record       TEXT NOT NULL,
    UNIQUE (tenant_id, client_id)
);
CREATE INDEX consent_events_subject ON consent_events (tenant_id, subject_id, occurred_at);
CREATE INDEX consent_events_purpose ON consent_events (tenant_id, purpose);

CREATE TABLE privacy_exports (
    id          BLOB PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    request_id  BLOB NOT NULL REFERENCES privacy_requests (id),
    created_at  TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    manifest    TEXT NOT NULL,
    archive     BLOB NOT NULL
);
CREATE INDEX privacy_exports_request ON privacy_exports (tenant_id, request_id, created_at);
