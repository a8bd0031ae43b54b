-- The verifiable ledger (DESIGN 4.3): per tenant log, the leaf envelopes, the erasable
-- encrypted payloads, the full tiles (immutable, written with the entries that complete them),
-- the tree head (moved by compare-and-swap) and signed checkpoints; and the install-wide log key.
-- No foreign key to tenants: the installation log uses the same tables under the nil tenant id.

CREATE TABLE ledger_heads (
    tenant_id BLOB PRIMARY KEY,
    size      INTEGER NOT NULL,
    root      BLOB NOT NULL
);

CREATE TABLE ledger_entries (
    tenant_id BLOB NOT NULL,
    seq       INTEGER NOT NULL,
    envelope  BLOB NOT NULL,
    leaf_hash BLOB NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE ledger_payloads (
    tenant_id BLOB NOT NULL,
    seq       INTEGER NOT NULL,
    salt      BLOB,
    payload   BLOB,
    erased_at TEXT,
    PRIMARY KEY (tenant_id, seq)
);

CREATE TABLE ledger_tiles (
    tenant_id BLOB NOT NULL,
    level     INTEGER NOT NULL,
    idx       INTEGER NOT NULL,
    hashes    BLOB NOT NULL,
    root      BLOB NOT NULL,
    PRIMARY KEY (tenant_id, level, idx)
);

CREATE TABLE ledger_checkpoints (
    tenant_id   BLOB NOT NULL,
    size        INTEGER NOT NULL,
    root        BLOB NOT NULL,
    signed_note TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, size)
);

CREATE TABLE ledger_keys (
    name           TEXT PRIMARY KEY,
    public_key     BLOB NOT NULL,
    private_sealed BLOB NOT NULL,
    created_at     TEXT NOT NULL
);
