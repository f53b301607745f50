-- How many traces of one slice of the settle window ({shard} of {shards}, as schema/settle.sql) have
-- spans their settled summary does not count yet. A fresh settler (after a restart) asks this before
-- settling a slice: its window re-reads the newest millisecond already settled, which after a
-- migration's backfill stamped every trace in one millisecond is the whole store (2.5M traces a
-- restart on a 10M-span store). Every new span adds to a trace's parts, so a trace whose live
-- summary counts all its parts' spans has nothing to settle.
SELECT count() AS pending
FROM (
    SELECT TraceHash, TraceId, ServiceName, sum(Spans) AS spans
    FROM verdict_trace_parts
    WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)} AND TraceHash % {shards:UInt64} = {shard:UInt64})
    GROUP BY TraceHash, TraceId, ServiceName
) AS parts
LEFT JOIN (
    SELECT TraceHash, TraceId, ServiceName, sum(Sign * Spans) AS spans
    FROM verdict_traces
    WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)} AND TraceHash % {shards:UInt64} = {shard:UInt64})
    GROUP BY TraceHash, TraceId, ServiceName
) AS settled USING (TraceHash, TraceId, ServiceName)
WHERE parts.spans != settled.spans
