-- error rate over time from the spans themselves (with a filter, and for the rollup = raw test).
SELECT
    AppVersion AS version,
    intDiv(toUnixTimestamp(Timestamp), {bucket_s:UInt32}) * {bucket_s:UInt32} * 1000 AS t_ms,
    count() AS requests,
    countIf(StatusCode = 'Error') AS errors
FROM otel_traces
WHERE IsRequest = 1 AND {{scope}} AND {{request}}
GROUP BY version, t_ms
ORDER BY version, t_ms
