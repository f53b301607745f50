-- compare's trace sample, read once for both of its uses: the inputs of the significance tests
-- and the mix adjustment's sums per stratum. Each side is a deterministic sample of whole traces
-- (TraceHash at most a per-side cut; for a version cohort a range of the table's sort key:
-- {{sampled}}, b OR c but for a side whose cut keeps all, sides.ts sampleScope). The scan groups
-- by stratum ({{stratum}}: an array of the stratifying keys' values, [] when not stratifying)
-- and by whether a trace has requests; one row comes out:
--   * `parts`: per group, its stratum, whether its traces have requests, and each side's sums (in
--     mix-adjustment.ts SUMS order): traces, requests and errors, and per trace the cluster sums
--     (Σx, Σx², Σx·r) of latency (ms), tokens, spans and cost (USD). sample.ts adds them up into
--     the whole sample's sums and takes the strata from the groups with requests.
--   * per request: durations, gathered from the groups → the Mann–Whitney U p-value (ranks, so the
--     order the durations are gathered in does not change it) and each side's order-statistic
--     interval per quantile (quantile-ci.sql)
-- One conditional sum per quantity and side, and nothing summed twice: the engine's cost here is
-- mostly analysing the statement, about 0.15 ms of CPU per aggregate.
-- The live summaries are read from verdict_traces by verdict_traces_live's own rule ({{live}}:
-- live-traces.sql).
-- The sorted samples stay in the engine: only what is computed from them comes out.
SELECT * EXCEPT (b_sorted, c_sorted) FROM (
SELECT
    groupArray((stratum, with_requests, b_traces, b_r, b_rr, b_errors, b_lat, b_latlat, b_latr, b_ti, b_titi, b_tir, b_to, b_toto, b_tor, b_sp, b_spsp, b_spr, b_usd, b_usdusd, b_usdr, c_traces, c_r, c_rr, c_errors, c_lat, c_latlat, c_latr, c_ti, c_titi, c_tir, c_to, c_toto, c_tor, c_sp, c_spsp, c_spr, c_usd, c_usdusd, c_usdr)) AS parts,
    arraySort(arrayFlatten(groupArray(b_durations))) AS b_sorted,
    arraySort(arrayFlatten(groupArray(c_durations))) AS c_sorted,
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
        toFloat64(Cost) AS usd
    SELECT
        {{stratum}} AS stratum,
        Requests > 0 AS with_requests,
        countIf(b) AS b_traces, sumIf(Requests, b) AS b_r, sumIf(Requests * Requests, b) AS b_rr,
        sumIf(Errors, b) AS b_errors, sumIf(lat, b) AS b_lat, sumIf(lat * lat, b) AS b_latlat,
        sumIf(lat * Requests, b) AS b_latr, sumIf(InputTokens, b) AS b_ti, sumIf(InputTokens * InputTokens, b) AS b_titi,
        sumIf(InputTokens * Requests, b) AS b_tir, sumIf(OutputTokens, b) AS b_to, sumIf(OutputTokens * OutputTokens, b) AS b_toto,
        sumIf(OutputTokens * Requests, b) AS b_tor, sumIf(Spans, b) AS b_sp, sumIf(Spans * Spans, b) AS b_spsp,
        sumIf(Spans * Requests, b) AS b_spr, sumIf(usd, b) AS b_usd, sumIf(usd * usd, b) AS b_usdusd,
        sumIf(usd * Requests, b) AS b_usdr,
        countIf(c) AS c_traces, sumIf(Requests, c) AS c_r, sumIf(Requests * Requests, c) AS c_rr,
        sumIf(Errors, c) AS c_errors, sumIf(lat, c) AS c_lat, sumIf(lat * lat, c) AS c_latlat,
        sumIf(lat * Requests, c) AS c_latr, sumIf(InputTokens, c) AS c_ti, sumIf(InputTokens * InputTokens, c) AS c_titi,
        sumIf(InputTokens * Requests, c) AS c_tir, sumIf(OutputTokens, c) AS c_to, sumIf(OutputTokens * OutputTokens, c) AS c_toto,
        sumIf(OutputTokens * Requests, c) AS c_tor, sumIf(Spans, c) AS c_sp, sumIf(Spans * Spans, c) AS c_spsp,
        sumIf(Spans * Requests, c) AS c_spr, sumIf(usd, c) AS c_usd, sumIf(usd * usd, c) AS c_usdusd,
        sumIf(usd * Requests, c) AS c_usdr,
        groupArrayArrayIf(RequestDurations, b) AS b_durations,
        groupArrayArrayIf(RequestDurations, c) AS c_durations
    FROM verdict_traces
    {{group_join}}
    WHERE {{live}}
        AND {{scope}} AND ({{sampled}})
    GROUP BY stratum, with_requests
)
)
