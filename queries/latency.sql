-- latency distribution: request durations per version in logarithmic buckets (per_decade buckets
-- per factor of 10, bucket i covering [10^(i/per_decade), 10^((i+1)/per_decade)) ms), for plotting.
SELECT
    AppVersion AS version,
    toInt32(floor(log10(greatest(Duration, 1) / 1e6) * {per_decade:UInt8})) AS bucket,
    count() AS requests
FROM otel_traces
WHERE IsRequest = 1 AND {{scope}} AND {{request}}
GROUP BY version, bucket
ORDER BY version, bucket
