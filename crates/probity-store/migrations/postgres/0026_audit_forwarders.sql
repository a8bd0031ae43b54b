-- SIEM forwarders (issue #4). The definition is a JSON document with a version for
-- compare-and-swap; beside it the delivery cursor (first ledger index not yet delivered), the
-- lease that lets one node at a time send (owner and expiry in Unix milliseconds), and the
-- delivery progress as JSON. The cursor moves only with a compare-and-swap that also checks
-- the lease.

CREATE TABLE audit_forwarders (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    record      JSONB NOT NULL,
    next_index  BIGINT NOT NULL,
    progress    JSONB NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);
