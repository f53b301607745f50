-- compare's trace sample, read once for both of its uses: the inputs of the significance tests
-- and the mix adjustment's sums per stratum. Each side is a deterministic sample of whole traces
-- (TraceHash at most a per-side cut; for a version cohort a range of the table's sort key:
-- {{sampled}}, b OR c but for a side whose cut keeps all, sides.ts sampleScope). The scan groups
-- by stratum ({{stratum}}: an array of the stratifying keys' values, [] when not stratifying)
-- and by whether a trace has requests; one row comes out:
--   * `parts`: per group, its stratum, whether its traces have requests, and each side's sums
--     ({{side_sums}} over the terms {{sum_terms}}, {{part_sums}}: sample.ts renders them): traces,
--     requests and errors, and per trace the cluster sums (Σx, Σx², Σx·r) of latency (ms), tokens,
--     spans and cost (USD), the integer ones in one array and the Float64 ones in another. sample.ts
--     adds them up into the whole sample's sums and takes the strata from the groups with requests.
--   * per request: durations, gathered from the groups → the Mann–Whitney U p-value (ranks, so the
--     order the durations are gathered in does not change it) and each side's order-statistic
--     interval per quantile (quantile-ci.sql)
-- Nothing summed twice, and few aggregates: the engine's cost here is much of it analysing the
-- statement, about 0.15 ms of CPU per aggregate, so each side's sums are two sumForEachIf over
-- arrays of terms (integers, Float64) rather than a sumIf per quantity.
-- The live summaries are read from verdict_traces by verdict_traces_live's own rule ({{live}}:
-- live-traces.sql).
-- The sorted samples stay in the engine (WITH: no output column, and no layer above only to drop
-- them): only what is computed from them comes out.
WITH
    arraySort(arrayFlatten(groupArray(b_durations))) AS b_sorted,
    arraySort(arrayFlatten(groupArray(c_durations))) AS c_sorted
SELECT
    groupArray((stratum, with_requests, {{part_sums}})) AS parts,
    -- A stand-in pair keeps mannWhitneyUTest from an empty sample, as in group-tests.sql.
    length(b_sorted) > 0 AND length(c_sorted) > 0 AS both_sides,
    if(both_sides,
       arrayReduce('mannWhitneyUTest(\'two-sided\')',
           if(both_sides, arrayConcat(b_sorted, c_sorted), [0, 1]),
           if(both_sides, arrayConcat(arrayMap(x -> toUInt8(0), b_sorted), arrayMap(x -> toUInt8(1), c_sorted)), [0, 1])).2,
       nan) AS latency_p_value,
    length(b_sorted) AS b_sampled_requests,
    length(c_sorted) AS c_sampled_requests,
    {{baseline_quantile_ci}},
    {{candidate_quantile_ci}}
FROM (
    WITH
        ({{baseline}}) AS in_baseline,
        ({{candidate}}) AS in_candidate,
        in_baseline AND TraceHash <= {baseline_cut:UInt64} AS b,
        in_candidate AND TraceHash <= {candidate_cut:UInt64} AS c,
        arraySum(arrayMap(d -> d / 1e6, RequestDurations)) AS lat,
        toFloat64(Cost) AS usd,
        {{sum_terms}}
    SELECT
        {{stratum}} AS stratum,
        Requests > 0 AS with_requests,
        {{side_sums}},
        groupArrayArrayIf(RequestDurations, b) AS b_durations,
        groupArrayArrayIf(RequestDurations, c) AS c_durations
    FROM verdict_traces
    {{group_join}}
    WHERE {{live}}
        AND {{scope}} AND ({{sampled}})
    GROUP BY stratum, with_requests
)
