-- Settles every trace whose spans arrived after {since}: its whole aggregate is recomputed from its
-- parts (verdict_trace_summaries) and compared with the summary settled last time
-- (verdict_trace_state). A new trace gets a +1 row; a changed one a -1 row repeating its old summary
-- and a +1 row with the new one; an unchanged one nothing. So running it twice, or over a wider
-- window than needed, changes nothing, and a replayed insert (same token) is dropped.
-- Both rows of a trace travel in one block, written in one insert with the rollups' views.
INSERT INTO verdict_traces
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0,
    max_insert_block_size = 1000000000, min_insert_block_size_rows = 0, min_insert_block_size_bytes = 0
SELECT
    ServiceName,
    if(Sign = 1, s.Environment, p.Environment) AS Environment,
    if(Sign = 1, s.AppVersion, p.AppVersion) AS AppVersion,
    if(Sign = 1, s.GitCommit, p.GitCommit) AS GitCommit,
    if(Sign = 1, s.SessionId, p.SessionId) AS SessionId,
    if(Sign = 1, s.UserId, p.UserId) AS UserId,
    if(Sign = 1, s.RequestName, p.RequestName) AS RequestName,
    if(Sign = 1, s.Model, p.Model) AS Model,
    TraceHash,
    TraceId,
    if(Sign = 1, s.Start, p.Start) AS Start,
    if(Sign = 1, s.Requests, p.Requests) AS Requests,
    if(Sign = 1, s.Errors, p.Errors) AS Errors,
    if(Sign = 1, s.RequestDuration, p.RequestDuration) AS RequestDuration,
    if(Sign = 1, s.RequestStatus, p.RequestStatus) AS RequestStatus,
    if(Sign = 1, s.RequestStatusMessage, p.RequestStatusMessage) AS RequestStatusMessage,
    if(Sign = 1, s.RequestDurations, p.RequestDurations) AS RequestDurations,
    if(Sign = 1, s.Spans, p.Spans) AS Spans,
    if(Sign = 1, s.SpanErrors, p.SpanErrors) AS SpanErrors,
    if(Sign = 1, s.InputTokens, p.InputTokens) AS InputTokens,
    if(Sign = 1, s.OutputTokens, p.OutputTokens) AS OutputTokens,
    if(Sign = 1, s.LastArrival, p.LastArrival) AS LastArrival,
    if(Sign = 1, s.SummaryHash, p.SummaryHash) AS SummaryHash,
    Sign
FROM verdict_trace_summaries(since = {since:DateTime64(3)}) AS s
LEFT JOIN (
    SELECT TraceHash, TraceId, ServiceName, argMax(Summary, SettledAt) AS p
    FROM verdict_trace_state
    WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)})
    GROUP BY TraceHash, TraceId, ServiceName
) AS prior USING (TraceHash, TraceId, ServiceName)
-- No summary before: +1. The same summary: nothing. A different one: -1 (the old), then +1.
ARRAY JOIN multiIf(p.SummaryHash = 0, [toInt8(1)], p.SummaryHash = s.SummaryHash, [], [toInt8(-1), toInt8(1)]) AS Sign
