-- One session's requests in order, each with its trace's span count and tokens.
SELECT
    TraceId AS trace_id,
    toUnixTimestamp64Milli(Timestamp) AS start_ms,
    ServiceName AS service,
    SpanName AS name,
    Duration / 1e6 AS duration_ms,
    StatusCode AS status,
    StatusMessage AS status_message,
    AppVersion AS version,
    Environment AS environment,
    UserId AS user_id,
    trace_totals.spans AS spans,
    trace_totals.input_tokens AS input_tokens,
    trace_totals.output_tokens AS output_tokens
FROM otel_traces
LEFT JOIN (
    SELECT TraceId, count() AS spans, sum(InputTokens) AS input_tokens, sum(OutputTokens) AS output_tokens
    FROM otel_traces
    WHERE TraceId IN (SELECT TraceId FROM otel_traces WHERE SessionId = {session:String} AND IsRequest = 1)
    GROUP BY TraceId
) AS trace_totals USING (TraceId)
WHERE SessionId = {session:String} AND IsRequest = 1
ORDER BY Timestamp, TraceId
LIMIT {limit:UInt32}
