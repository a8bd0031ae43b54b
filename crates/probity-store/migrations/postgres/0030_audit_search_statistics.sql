-- Finer statistics for the full-text column of the audit search projection. With the default
-- target (100) the planner keeps about a thousand frequent lexemes and guesses any other word
-- matches ~0.2% of a tenant's rows, so for a rare word it walks the (tenant_id, seq) index
-- backwards through the whole tenant hoping to find a page early (361 ms at 1M events) instead
-- of asking the GIN index (2.7 ms). A target of 1,000 keeps ten times the lexemes and brings the
-- guess for the others down accordingly. Takes effect at the next ANALYZE (autovacuum's).
ALTER TABLE audit_index ALTER COLUMN search SET STATISTICS 1000;
