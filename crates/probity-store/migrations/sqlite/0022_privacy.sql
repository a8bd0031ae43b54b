-- Privacy: data subject requests and breaches (the record as JSON; the version column is the
-- compare-and-swap of optimistic concurrency; references are unique per tenant), and each
-- tenant's privacy settings (the public holidays business-day clocks skip), and the records of
-- processing activities (GDPR Art. 30; names and references unique per tenant).

CREATE TABLE privacy_requests (
    id           BLOB PRIMARY KEY,
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    reference    TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    record       TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE privacy_breaches (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    aware_at   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, reference)
);

CREATE TABLE privacy_settings (
    tenant_id  BLOB PRIMARY KEY REFERENCES tenants (id),
    record     TEXT NOT NULL
);

CREATE TABLE privacy_activities (
    id         BLOB PRIMARY KEY,
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    reference  TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    record     TEXT NOT NULL,
    UNIQUE (tenant_id, reference),
    UNIQUE (tenant_id, name)
);
