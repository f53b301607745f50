-- traffic over time, from a rollup table: per service, environment, version and bucket, the
-- requests, failed requests and the request-latency quantiles (from the latency histogram). Bucket
-- starts are whole multiples of bucket_s seconds since the epoch, as in error-rate.sql.
SELECT
    ServiceName AS service,
    Environment AS environment,
    AppVersion AS version,
    intDiv(toUnixTimestamp({{bucket}}), {bucket_s:UInt32}) * {bucket_s:UInt32} * 1000 AS t_ms,
    sum(Requests) AS requests,
    sum(Errors) AS errors,
    {{latency_quantiles}} AS latency_ns
FROM {{rollup}}
WHERE {{scope}}
GROUP BY service, environment, version, t_ms
HAVING requests > 0
ORDER BY service, environment, version, t_ms
