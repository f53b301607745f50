-- compare broken down by a key: the trace's root operation (name), its model (model), or an
-- attribute ({{group_join}} brings the attribute's value). Per group and side: requests, errors,
-- p50/p95 with their order-statistic intervals (quantile-ci.sql), and the Mann–Whitney U p-value
-- of the whole distribution, in one pass over the settled traces; the largest groups first. The test needs both samples, so a group seen on one side only
-- gets nan. It is fed a stand-in pair then, rather than relying on if() to skip it: with
-- short_circuit_function_evaluation off, if() evaluates both branches.
SELECT
    group_key,
    b_requests, b_errors, b_latency_ns,
    c_requests, c_errors, c_latency_ns,
    b_requests > 0 AND c_requests > 0 AS both_sides,
    if(both_sides,
       arrayReduce('mannWhitneyUTest(\'two-sided\')',
           if(both_sides, arrayConcat(b_durations, c_durations), [0, 1]),
           if(both_sides, arrayConcat(arrayMap(x -> toUInt8(0), b_durations), arrayMap(x -> toUInt8(1), c_durations)), [0, 1])).2,
       nan) AS latency_p_value,
    arraySort(b_durations) AS b_sorted,
    arraySort(c_durations) AS c_sorted,
    {{baseline_quantile_ci}},
    {{candidate_quantile_ci}}
FROM (
    SELECT
        group_key,
        sumIf(Requests, side = 'baseline') AS b_requests,
        sumIf(Errors, side = 'baseline') AS b_errors,
        quantilesExactArrayIf(0.5, 0.95)(RequestDurations, side = 'baseline') AS b_latency_ns,
        groupArrayArrayIf(RequestDurations, side = 'baseline') AS b_durations,
        sumIf(Requests, side = 'candidate') AS c_requests,
        sumIf(Errors, side = 'candidate') AS c_errors,
        quantilesExactArrayIf(0.5, 0.95)(RequestDurations, side = 'candidate') AS c_latency_ns,
        groupArrayArrayIf(RequestDurations, side = 'candidate') AS c_durations
    FROM (
        WITH
            ({{baseline}}) AS in_baseline,
            ({{candidate}}) AS in_candidate
        SELECT {{group_key}} AS group_key, Requests, Errors, RequestDurations, in_baseline, in_candidate
        FROM verdict_traces_live
        {{group_join}}
        WHERE Requests > 0 AND {{scope}} AND (in_baseline OR in_candidate)
    )
    ARRAY JOIN arrayFilter(s -> s != '', [if(in_baseline, 'baseline', ''), if(in_candidate, 'candidate', '')]) AS side
    GROUP BY group_key
    ORDER BY b_requests + c_requests DESC, group_key
    LIMIT {limit:UInt32}
)
ORDER BY b_requests + c_requests DESC, group_key
