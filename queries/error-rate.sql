-- error rate over time, from a rollup table: requests and errors per version and bucket (bucket
-- starts are whole multiples of bucket_s seconds since the epoch, like the raw query's). A trace
-- counts in the bucket of its first request.
SELECT
    AppVersion AS version,
    intDiv(toUnixTimestamp({{bucket}}), {bucket_s:UInt32}) * {bucket_s:UInt32} * 1000 AS t_ms,
    sum(Requests) AS requests,
    sum(Errors) AS errors
FROM {{rollup}}
WHERE {{scope}}
GROUP BY version, t_ms
HAVING requests > 0
ORDER BY version, t_ms
