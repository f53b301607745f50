-- compare broken down by a key (request name, or an attribute: the request span's, its resource's,
-- else the first value on any span of its trace, so `model` finds the model of an LLM child span).
-- Per group and side: requests, errors, p50/p95, and the Mann–Whitney U p-value of the latency
-- shift, in one pass over the spans; the largest groups first. The test needs both samples, so a
-- group seen on one side only gets nan. It is fed a stand-in pair then, rather than relying on
-- if() to skip it: with short_circuit_function_evaluation off, if() evaluates both branches.
SELECT
    group_key,
    b_requests, b_errors, b_latency_ns,
    c_requests, c_errors, c_latency_ns,
    b_requests > 0 AND c_requests > 0 AS both_sides,
    if(both_sides,
       arrayReduce('mannWhitneyUTest(\'two-sided\')',
           if(both_sides, arrayConcat(b_durations, c_durations), [0, 1]),
           if(both_sides, arrayConcat(arrayMap(x -> toUInt8(0), b_durations), arrayMap(x -> toUInt8(1), c_durations)), [0, 1])).2,
       nan) AS latency_p_value
FROM (
    SELECT
        group_key,
        countIf(side = 'baseline') AS b_requests,
        countIf(side = 'baseline' AND StatusCode = 'Error') AS b_errors,
        quantilesExactIf(0.5, 0.95)(Duration, side = 'baseline') AS b_latency_ns,
        groupArrayIf(Duration, side = 'baseline') AS b_durations,
        countIf(side = 'candidate') AS c_requests,
        countIf(side = 'candidate' AND StatusCode = 'Error') AS c_errors,
        quantilesExactIf(0.5, 0.95)(Duration, side = 'candidate') AS c_latency_ns,
        groupArrayIf(Duration, side = 'candidate') AS c_durations
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
)
ORDER BY b_requests + c_requests DESC, group_key
