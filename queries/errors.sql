-- errors: failed spans (status Error, requests and child spans alike) grouped by their trace's
-- version, span name and message pattern — the message with numbers, UUIDs and long hex ids
-- replaced, so "timeout after 3012 ms" and "timeout after 2999 ms" are one error. A span without a
-- status message is described by its exception event. The top groups of each version. The version
-- is the trace's (verdict_traces_live), whichever span carried it.
WITH
    if(StatusMessage != '', StatusMessage,
       arrayFirst(a -> a['exception.message'] != '', `Events.Attributes`)['exception.message']) AS message,
    replaceRegexpAll(
        replaceRegexpAll(
            replaceRegexpAll(message, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'),
            '\\b[0-9a-fA-F]{16,}\\b', '<id>'),
        '\\d+', '<n>') AS pattern
SELECT
    trace.AppVersion AS version,
    SpanName AS span_name,
    pattern,
    any(message) AS example,
    count() AS count,
    countIf(IsRequest = 1) AS request_errors,
    toUnixTimestamp64Milli(min(Timestamp)) AS first_ms,
    toUnixTimestamp64Milli(max(Timestamp)) AS last_ms
FROM otel_traces
INNER JOIN (
    SELECT TraceId, ServiceName, AppVersion FROM verdict_traces_live WHERE SpanErrors > 0 AND {{scope}} AND {{versions}}
) AS trace USING (TraceId, ServiceName)
WHERE StatusCode = 'Error' AND {{span_scope}}
GROUP BY version, span_name, pattern
ORDER BY version, count DESC, span_name, pattern
LIMIT {limit:UInt32} BY version
