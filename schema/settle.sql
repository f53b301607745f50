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
    row.1 AS ServiceName, row.2 AS Environment, row.3 AS AppVersion, row.4 AS GitCommit, row.5 AS SessionId,
    row.6 AS UserId, row.7 AS RequestName, row.8 AS Model, row.9 AS TraceHash, row.10 AS TraceId, row.11 AS Start,
    row.12 AS Requests, row.13 AS Errors, row.14 AS RequestDuration, row.15 AS RequestStatus, row.16 AS RequestStatusMessage,
    row.17 AS RequestDurations, row.18 AS Spans, row.19 AS SpanErrors, row.20 AS InputTokens, row.21 AS OutputTokens,
    row.22 AS LastArrival, row.23 AS SummaryHash, row.24 AS Sign
FROM (
    SELECT arrayJoin(multiIf(p.SummaryHash = 0, [current], p.SummaryHash = SummaryHash, [], [previous, current])) AS row
    FROM (
        SELECT
            s.*,
            prior.p AS p,
            tuple(ServiceName, Environment, AppVersion, GitCommit, SessionId, UserId, RequestName, Model, TraceHash, TraceId, Start,
                Requests, Errors, RequestDuration, RequestStatus, RequestStatusMessage, RequestDurations, Spans, SpanErrors,
                InputTokens, OutputTokens, LastArrival, SummaryHash, toInt8(1)) AS current,
            tuple(ServiceName, p.Environment, p.AppVersion, p.GitCommit, p.SessionId, p.UserId, p.RequestName, p.Model, TraceHash,
                TraceId, p.Start, p.Requests, p.Errors, p.RequestDuration, p.RequestStatus, p.RequestStatusMessage, p.RequestDurations,
                p.Spans, p.SpanErrors, p.InputTokens, p.OutputTokens, p.LastArrival, p.SummaryHash, toInt8(-1)) AS previous
        FROM verdict_trace_summaries(since = {since:DateTime64(3)}) AS s
        LEFT JOIN (
            SELECT TraceHash, TraceId, ServiceName, argMax(Summary, SettledAt) AS p
            FROM verdict_trace_state
            WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)})
            GROUP BY TraceHash, TraceId, ServiceName
        ) AS prior USING (TraceHash, TraceId, ServiceName)
    )
)
