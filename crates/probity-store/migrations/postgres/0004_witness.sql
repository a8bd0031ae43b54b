-- Witness cosignatures (C2SP tlog-cosignature) of tenants' checkpoints, collected with the
-- tlog-witness add-checkpoint protocol and verified against the configured witness key before
-- they are stored. One per checkpoint size and witness key; kept forever beside the checkpoint.
-- The largest size per witness key is the `old` size of the next request to that witness.

CREATE TABLE ledger_cosignatures (
    tenant_id      UUID NOT NULL,
    size           BIGINT NOT NULL,
    witness_name   TEXT NOT NULL,
    witness_key_id BIGINT NOT NULL,
    signature_line TEXT NOT NULL,
    cosigned_at    TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, size, witness_name, witness_key_id)
);

CREATE INDEX ledger_cosignatures_by_witness
    ON ledger_cosignatures (tenant_id, witness_name, witness_key_id, size);
