-- error rate over time from the settled traces (with a filter, and for the rollup = raw test): a
-- trace counts in the bucket of its first request, as in the rollups.
SELECT
    AppVersion AS version,
    intDiv(toUnixTimestamp(Start), {bucket_s:UInt32}) * {bucket_s:UInt32} * 1000 AS t_ms,
    sum(Requests) AS requests,
    sum(Errors) AS errors
FROM verdict_traces_live
WHERE Requests > 0 AND {{scope}} AND {{traces}}
GROUP BY version, t_ms
ORDER BY version, t_ms
