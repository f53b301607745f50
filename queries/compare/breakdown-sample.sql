-- compare --by on version cohorts: each group's Mann–Whitney U p-value and p50/p95 intervals
-- (quantile-ci.sql) from a deterministic sample
-- of its settled traces (TraceHash at most the group's cut per side, so that a large group reads
-- about as many requests as compare's own test; a small one reads all). The bound on TraceHash is
-- also a range of verdict_traces' sort key, so the sample is all that is read. A group seen on one
-- side only gets nan, fed a stand-in pair as in breakdown.sql (if() may evaluate both branches).
SELECT
    group_key,
    length(b_durations) > 0 AND length(c_durations) > 0 AS both_sides,
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
        groupArrayArrayIf(RequestDurations, in_baseline AND TraceHash <= toUInt64(transform(group_key, {groups:Array(String)}, {b_cuts:Array(String)}, '0'))) AS b_durations,
        groupArrayArrayIf(RequestDurations, in_candidate AND TraceHash <= toUInt64(transform(group_key, {groups:Array(String)}, {c_cuts:Array(String)}, '0'))) AS c_durations
    FROM (
        WITH
            ({{baseline}}) AS in_baseline,
            ({{candidate}}) AS in_candidate
        SELECT {{group_key}} AS group_key, TraceHash, RequestDurations, in_baseline, in_candidate
        FROM verdict_traces_live
        WHERE Requests > 0 AND {{scope}} AND (in_baseline OR in_candidate)
            AND ((in_baseline AND TraceHash <= {b_max_cut:UInt64}) OR (in_candidate AND TraceHash <= {c_max_cut:UInt64}))
            AND {{group_key}} IN {groups:Array(String)}
    )
    GROUP BY group_key
)
