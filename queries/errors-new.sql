-- errors new in the candidate: error groups (span name + message pattern, as in errors.sql) the
-- candidate's traces have and the baseline's, over the same scope, never had.
WITH
    if(StatusMessage != '', StatusMessage,
       arrayFirst(a -> a['exception.message'] != '', `Events.Attributes`)['exception.message']) AS message,
    replaceRegexpAll(
        replaceRegexpAll(
            replaceRegexpAll(message, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'),
            '\\b[0-9a-fA-F]{16,}\\b', '<id>'),
        '\\d+', '<n>') AS pattern,
    trace.AppVersion AS trace_version
SELECT
    {candidate:String} AS version,
    SpanName AS span_name,
    pattern,
    anyIf(message, trace_version = {candidate:String}) AS example,
    countIf(trace_version = {candidate:String}) AS count,
    countIf(trace_version = {candidate:String} AND IsRequest = 1) AS request_errors,
    toUnixTimestamp64Milli(minIf(Timestamp, trace_version = {candidate:String})) AS first_ms,
    toUnixTimestamp64Milli(maxIf(Timestamp, trace_version = {candidate:String})) AS last_ms,
    countIf(trace_version = {baseline:String}) AS baseline_count
FROM otel_traces
INNER JOIN (
    SELECT TraceId, ServiceName, AppVersion FROM verdict_traces_live
    WHERE SpanErrors > 0 AND {{scope}} AND AppVersion IN ({baseline:String}, {candidate:String})
) AS trace USING (TraceId, ServiceName)
WHERE StatusCode = 'Error' AND {{span_scope}}
GROUP BY span_name, pattern
HAVING count > 0
ORDER BY baseline_count = 0 DESC, count DESC, span_name, pattern
LIMIT {limit:UInt32}
