-- Measurement slices packed per SLO and UTC day (ADR 0026): a row holds the day's non-empty
-- 5-minute slices in one blob (format in probity-store/src/slo_day.rs) beside the day's sums
-- (good capped at total per slice), so a window adds its full days in SQL and opens at most
-- two blobs. Rows of slo_slices are moved here by the store at startup (in Rust: the blob
-- cannot be built in SQL); slo_slices stays, empty, for nodes of the previous version during
-- a rolling upgrade, whose rows the next startup moves.
CREATE TABLE slo_days (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id),
    slo_id     BLOB NOT NULL REFERENCES slos (id),
    day_s      INTEGER NOT NULL,
    good       INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    slices     BLOB NOT NULL,
    PRIMARY KEY (slo_id, day_s)
);
