-- The state of a `probity witness serve` instance (C2SP tlog-witness), in its own SQLite file:
-- the logs it cosigns for (origin and log verifier key) and the latest checkpoint it cosigned
-- for each. `size` only moves forward, by compare-and-swap (`UPDATE ... WHERE size = old`).

CREATE TABLE witness_logs (
    origin       TEXT PRIMARY KEY,
    verifier_key TEXT NOT NULL,
    size         INTEGER NOT NULL,
    root         BLOB NOT NULL,
    checkpoint   TEXT,
    added_at     TEXT NOT NULL,
    updated_at   TEXT
);
