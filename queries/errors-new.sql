-- errors new in the candidate: error groups (span name + message pattern, as in errors.sql) the
-- candidate has and the baseline, over the same scope, never had.
WITH
    if(StatusMessage != '', StatusMessage,
       arrayFirst(a -> a['exception.message'] != '', `Events.Attributes`)['exception.message']) AS message,
    replaceRegexpAll(
        replaceRegexpAll(
            replaceRegexpAll(message, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'),
            '\\b[0-9a-fA-F]{16,}\\b', '<id>'),
        '\\d+', '<n>') AS pattern
SELECT
    {candidate:String} AS version,
    SpanName AS span_name,
    pattern,
    anyIf(message, AppVersion = {candidate:String}) AS example,
    countIf(AppVersion = {candidate:String}) AS count,
    countIf(AppVersion = {candidate:String} AND IsRequest = 1) AS request_errors,
    toUnixTimestamp64Milli(minIf(Timestamp, AppVersion = {candidate:String})) AS first_ms,
    toUnixTimestamp64Milli(maxIf(Timestamp, AppVersion = {candidate:String})) AS last_ms,
    countIf(AppVersion = {baseline:String}) AS baseline_count
FROM otel_traces
WHERE StatusCode = 'Error' AND {{scope}} AND AppVersion IN ({baseline:String}, {candidate:String})
GROUP BY span_name, pattern
HAVING count > 0
ORDER BY baseline_count = 0 DESC, count DESC, span_name, pattern
LIMIT {limit:UInt32}
