-- verdict_traces_live's rule (schema/migrations/020), for a scan of verdict_traces itself: the live
-- summaries only (Sign = 1, not cancelled by a later -1 row of the same trace and summary). The
-- same rows as the view; compare's sample scans read the table with it, which measured cheaper
-- than reading through the view.
Sign = 1 AND (TraceHash, SummaryHash) NOT IN (SELECT TraceHash, SummaryHash FROM verdict_traces WHERE Sign = -1)
