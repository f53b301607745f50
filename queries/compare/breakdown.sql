-- compare broken down by a key: the trace's root operation (name), its model (model), or an
-- attribute ({{group_join}} brings the attribute's value). Per group and side: requests, errors,
-- p50/p95, and the group's tests ({{group_tests}}: group-tests.sql), in one pass over the settled
-- traces; the largest groups first.
-- The sorted samples stay in the engine (WITH: no output columns): only what is computed from them comes out.
WITH arraySort(b_durations) AS b_sorted, arraySort(c_durations) AS c_sorted
SELECT
    group_key,
    b_requests, b_errors, b_latency_ns,
    c_requests, c_errors, c_latency_ns,
    b_requests > 0 AND c_requests > 0 AS both_sides,
    {{group_tests}}
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
