-- The audit outbox (ADR 0003): each tenant's audit record carries the sequence number of its
-- entry in that tenant's ledger once appended. NULL means not yet sequenced (or, with
-- tenant_id NULL, installation-wide: never part of a tenant's log).
ALTER TABLE audit_events ADD COLUMN ledger_seq INTEGER;

-- One audit record per entry (NULLs are distinct, so unsequenced rows do not collide).
CREATE UNIQUE INDEX audit_events_ledger_seq ON audit_events (tenant_id, ledger_seq);

-- The drain reads unsequenced records of tenants, oldest first.
CREATE INDEX audit_events_unsequenced ON audit_events (id)
    WHERE ledger_seq IS NULL AND tenant_id IS NOT NULL;
