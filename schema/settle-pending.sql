-- How many traces of one slice of the settle window ({shard} of {shards}, as schema/settle.sql) have something
-- to settle yet. A fresh settler (after a restart) asks this before
-- settling a slice: its window re-reads the newest millisecond already settled, which after a
-- migration's backfill stamped every trace in one millisecond is the whole store (2.5M traces a
-- restart on a 10M-span store). A trace has something to settle when its parts hold spans its
-- live summary does not count (every stored span adds to its trace's parts), or a part that arrived
-- after the summary: a migration adds a part with no spans to make the next settle re-settle a
-- trace (032 did, to price the traces stored before it).
SELECT count() AS pending
FROM (
    SELECT TraceHash, TraceId, ServiceName, sum(Spans) AS spans, max(LastArrival) AS arrival
    FROM verdict_trace_parts
    WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)} AND TraceHash % {shards:UInt64} = {shard:UInt64})
    GROUP BY TraceHash, TraceId, ServiceName
) AS parts
LEFT JOIN (
    -- (A cancelling row repeats an older summary: the newest arrival is the live summary's.)
    SELECT TraceHash, TraceId, ServiceName, sum(Sign * Spans) AS spans, max(LastArrival) AS arrival
    FROM verdict_traces
    WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)} AND TraceHash % {shards:UInt64} = {shard:UInt64})
    GROUP BY TraceHash, TraceId, ServiceName
) AS settled USING (TraceHash, TraceId, ServiceName)
WHERE parts.spans != settled.spans OR parts.arrival > settled.arrival
