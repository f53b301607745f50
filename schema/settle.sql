-- Settles every trace whose spans arrived after {since}: its whole aggregate is recomputed from its
-- parts (schema/trace-summaries.sql, the {{summaries}} fragment) and compared with the summary
-- settled last time (found through verdict_trace_state). A new trace gets a +1 row; a changed one a -1 row repeating its old summary
-- and a +1 row with the new one; an unchanged one nothing. So running it twice, or over a wider
-- window than needed, changes nothing, and a replayed insert (same token) is dropped.
-- A large window is settled in slices ({shard} of {shards}: the traces whose TraceHash % shards =
-- shard), each its own statement and token; a normal run is one slice (1, 0).
-- Each trace's cost comes priced from verdict_prices, which store/prices.ts fills before this runs.
-- The whole result is squashed into one block (the min_insert_block_size_* thresholds are never
-- reached before the end): both rows of a changed trace travel together, a retried run is dropped
-- as one unit by its token, and the views see one large block. Turning squashing off instead (min
-- 0) handed the views the select's small blocks and made the write 3.5x dearer (281 vs 80 ms of CPU
-- for 25k traces). Its joins are hash joins of one window's traces: the default parallel hash join
-- only added threads and tables to set up (join_algorithm = 'hash': 40 -> 34 ms of CPU for an empty
-- window, 291 -> 275 for 20k traces on a 10M-span store).
INSERT INTO verdict_traces (ServiceName, Environment, AppVersion, GitCommit, SessionId, UserId, RequestName, Model, TraceHash, TraceId,
    Start, Requests, Errors, RequestDuration, RequestStatus, RequestStatusMessage, RequestDurations, Spans, SpanErrors, InputTokens,
    OutputTokens, LastArrival, SummaryHash, Sign, Cost, LlmCalls, UnpricedCalls, UnpricedModels, PriceSources)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0, join_algorithm = 'hash',
    max_insert_block_size = 1000000000, min_insert_block_size_rows = 1000000000, min_insert_block_size_bytes = 1000000000000
SELECT
    ServiceName,
    if(Sign = 1, s.Environment, prior.Environment) AS Environment,
    if(Sign = 1, s.AppVersion, prior.AppVersion) AS AppVersion,
    if(Sign = 1, s.GitCommit, prior.GitCommit) AS GitCommit,
    if(Sign = 1, s.SessionId, prior.SessionId) AS SessionId,
    if(Sign = 1, s.UserId, prior.UserId) AS UserId,
    if(Sign = 1, s.RequestName, prior.RequestName) AS RequestName,
    if(Sign = 1, s.Model, prior.Model) AS Model,
    TraceHash,
    TraceId,
    if(Sign = 1, s.Start, prior.Start) AS Start,
    if(Sign = 1, s.Requests, prior.Requests) AS Requests,
    if(Sign = 1, s.Errors, prior.Errors) AS Errors,
    if(Sign = 1, s.RequestDuration, prior.RequestDuration) AS RequestDuration,
    if(Sign = 1, s.RequestStatus, prior.RequestStatus) AS RequestStatus,
    if(Sign = 1, s.RequestStatusMessage, prior.RequestStatusMessage) AS RequestStatusMessage,
    if(Sign = 1, s.RequestDurations, prior.RequestDurations) AS RequestDurations,
    if(Sign = 1, s.Spans, prior.Spans) AS Spans,
    if(Sign = 1, s.SpanErrors, prior.SpanErrors) AS SpanErrors,
    if(Sign = 1, s.InputTokens, prior.InputTokens) AS InputTokens,
    if(Sign = 1, s.OutputTokens, prior.OutputTokens) AS OutputTokens,
    -- A new summary is always later than the one it replaces, even when the parts it adds were
    -- stamped in the same millisecond as the old ones (two collectors inserting at once): the last
    -- summary is found by its LastArrival, and a tie would let a later run pick the stale one and
    -- cancel it twice.
    if(Sign = 1, greatest(s.LastArrival, prior.LastArrival + toIntervalMillisecond(1)), prior.LastArrival) AS LastArrival,
    if(Sign = 1, s.SummaryHash, prior.SummaryHash) AS SummaryHash,
    Sign,
    if(Sign = 1, s.Cost, prior.Cost) AS Cost,
    if(Sign = 1, s.LlmCalls, prior.LlmCalls) AS LlmCalls,
    if(Sign = 1, s.UnpricedCalls, prior.UnpricedCalls) AS UnpricedCalls,
    if(Sign = 1, s.UnpricedModels, prior.UnpricedModels) AS UnpricedModels,
    if(Sign = 1, s.PriceSources, prior.PriceSources) AS PriceSources
FROM ({{summaries}}) AS s
-- Each changed trace's last summary (none for a new trace): where it is comes from
-- verdict_trace_state, the row itself from verdict_traces by its sort key. The newest of its live
-- rows (the same summary may have been settled twice, A → B → A) gives the hash to compare and the
-- arrival to follow. One join: a separate one for the hash and arrival read verdict_trace_state a
-- second time (70 of 400 ms for 20k traces on a 10M-span store).
LEFT JOIN (
    SELECT TraceHash, TraceId, ServiceName, Environment, AppVersion, GitCommit, SessionId, UserId, RequestName, Model, Start, Requests, Errors, RequestDuration, RequestStatus, RequestStatusMessage, RequestDurations, Spans, SpanErrors, InputTokens, OutputTokens, LastArrival, SummaryHash,
        Cost, LlmCalls, UnpricedCalls, UnpricedModels, PriceSources
    FROM verdict_traces
    WHERE Sign = 1 AND (ServiceName, Environment, AppVersion, toStartOfDay(Start), TraceHash, TraceId, SummaryHash) IN (
        SELECT ServiceName, argMax(Environment, LastArrival), argMax(AppVersion, LastArrival), toStartOfDay(argMax(Start, LastArrival)), TraceHash, TraceId,
            argMax(SummaryHash, LastArrival)
        FROM verdict_trace_state
        WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)} AND TraceHash % {shards:UInt64} = {shard:UInt64})
        GROUP BY TraceHash, TraceId, ServiceName)
    ORDER BY LastArrival DESC
    LIMIT 1 BY TraceHash, TraceId, ServiceName
) AS prior USING (TraceHash, TraceId, ServiceName)
-- No summary before: +1. The same summary: nothing. A different one: -1 (the old), then +1.
ARRAY JOIN multiIf(prior.SummaryHash = 0, [toInt8(1)], prior.SummaryHash = s.SummaryHash, [], [toInt8(-1), toInt8(1)]) AS Sign
