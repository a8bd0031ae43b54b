-- The verifiable ledger (DESIGN 4.3): per tenant log, the leaf envelopes, the erasable
-- encrypted payloads, the full tiles (immutable, written with the entries that complete them),
-- the tree head (moved by compare-and-swap) and signed checkpoints; and the install-wide log key.
-- No foreign key to tenants: the installation log uses the same tables under the nil tenant id.

CREATE TABLE ledger_heads (
    tenant_id UUID PRIMARY KEY,
    size      BIGINT NOT NULL,
    root      BYTEA NOT NULL
);

CREATE TABLE ledger_entries (
    tenant_id UUID NOT NULL,
    seq       BIGINT NOT NULL,
    envelope  BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE ledger_payloads (
    tenant_id UUID NOT NULL,
    seq       BIGINT NOT NULL,
    salt      BYTEA,
    payload   BYTEA,
    erased_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE ledger_tiles (
    tenant_id UUID NOT NULL,
    level     BIGINT NOT NULL,
    idx       BIGINT NOT NULL,
    hashes    BYTEA NOT NULL,
    root      BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, level, idx)
);

CREATE TABLE ledger_checkpoints (
    tenant_id   UUID NOT NULL,
    size        BIGINT NOT NULL,
    root        BYTEA NOT NULL,
    signed_note TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, size)
);

CREATE TABLE ledger_keys (
    name           TEXT PRIMARY KEY,
    public_key     BYTEA NOT NULL,
    private_sealed BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
