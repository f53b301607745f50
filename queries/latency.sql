-- latency distribution, in one pass per version over the settled traces: exact request-latency
-- quantiles, and a histogram in logarithmic buckets (per_decade buckets per factor of 10: bucket i
-- covers [10^(i/per_decade), 10^((i+1)/per_decade)) ms) as (bucket indexes, counts).
SELECT
    AppVersion AS version,
    count() AS requests,
    quantilesExact(0.5, 0.9, 0.95, 0.99)(Duration) AS latency_ns,
    sumMap([toInt32(floor(log10(greatest(Duration, 1) / 1e6) * {per_decade:UInt8}))], [toUInt64(1)]) AS histogram
FROM verdict_traces_live
ARRAY JOIN RequestDurations AS Duration
WHERE {{scope}} AND {{traces}}
GROUP BY version
ORDER BY version
