-- PostgreSQL's 0030 raises the statistics target of its full-text column; SQLite keeps its
-- words in the FTS5 table, which the search walks directly, so there is nothing to change here.
-- The file keeps the two backends' migration numbers aligned.
SELECT 1;
