-- latency distribution: each version's exact request-latency quantiles beside its histogram.
SELECT
    AppVersion AS version,
    count() AS requests,
    quantilesExact(0.5, 0.9, 0.95, 0.99)(Duration) AS latency_ns
FROM otel_traces
WHERE IsRequest = 1 AND {{scope}} AND {{request}}
GROUP BY version
ORDER BY version
