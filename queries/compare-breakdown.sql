-- compare broken down by a key (request name, or an attribute: the request span's, its resource's,
-- else the first value on any span of its trace, so `model` finds the model of an LLM child span).
-- Per group and side: requests, errors, p50/p95; the largest groups first.
SELECT
    group_key,
    countIf(side = 'baseline') AS b_requests,
    countIf(side = 'baseline' AND StatusCode = 'Error') AS b_errors,
    quantilesExactIf(0.5, 0.95)(Duration, side = 'baseline') AS b_latency_ns,
    countIf(side = 'candidate') AS c_requests,
    countIf(side = 'candidate' AND StatusCode = 'Error') AS c_errors,
    quantilesExactIf(0.5, 0.95)(Duration, side = 'candidate') AS c_latency_ns
FROM (
    WITH
        ({{baseline_request}}) AS in_baseline,
        ({{candidate_request}}) AS in_candidate
    SELECT {{group_key}} AS group_key, Duration, StatusCode, in_baseline, in_candidate
    FROM otel_traces
    {{group_join}}
    WHERE IsRequest = 1 AND {{scope}} AND (in_baseline OR in_candidate)
)
ARRAY JOIN arrayFilter(s -> s != '', [if(in_baseline, 'baseline', ''), if(in_candidate, 'candidate', '')]) AS side
GROUP BY group_key
ORDER BY b_requests + c_requests DESC, group_key
LIMIT {limit:UInt32}
