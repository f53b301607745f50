-- compare's trace sample, read once for both of its uses: the inputs of the significance tests
-- and the mix adjustment's sums per stratum. Each side is a deterministic sample of whole traces
-- (TraceHash at most a per-side cut; for a version cohort a range of the table's sort key:
-- {{sampled}}, b OR c but for a side whose cut keeps all, sides.ts sampleScope). The scan groups
-- by stratum ({{stratum}}: an array of the stratifying keys' values, [] when not stratifying);
-- one row comes out:
--   * `strata`: per stratum, sorted by it, its key and the sums below for each side (the s_
--     sums, in mix-adjustment.ts SUMS order), over the sampled traces with requests: requests
--     and errors, and per trace the cluster sums (Σx, Σx², Σx·r) of latency (ms), tokens, spans
--     and cost (USD)
--   * per trace, summed over the strata (integers: exact): its requests r, spans, input/output
--     tokens → cluster sums for the per-request means
--   * per request: durations, gathered from the strata → the Mann–Whitney U p-value (ranks, so the
--     order the durations are gathered in does not change it) and each side's order-statistic
--     interval per quantile (quantile-ci.sql)
-- The live summaries are read from verdict_traces by verdict_traces_live's own rule ({{live}}:
-- live-traces.sql).
-- The sorted samples stay in the engine: only what is computed from them comes out.
SELECT * EXCEPT (b_sorted, c_sorted) FROM (
SELECT
    arraySort(s -> s.1, groupArray((stratum,
        s_b_traces, s_b_r, s_b_rr, s_b_errors, s_b_lat, s_b_latlat, s_b_latr, s_b_ti, s_b_titi, s_b_tir,
        s_b_to, s_b_toto, s_b_tor, s_b_sp, s_b_spsp, s_b_spr, s_b_usd, s_b_usdusd, s_b_usdr,
        s_c_traces, s_c_r, s_c_rr, s_c_errors, s_c_lat, s_c_latlat, s_c_latr, s_c_ti, s_c_titi, s_c_tir,
        s_c_to, s_c_toto, s_c_tor, s_c_sp, s_c_spsp, s_c_spr, s_c_usd, s_c_usdusd, s_c_usdr))) AS strata,
    sum(b_traces) AS b_traces, sum(b_r) AS b_r, sum(b_rr) AS b_rr, sum(b_sp) AS b_sp, sum(b_spsp) AS b_spsp, sum(b_spr) AS b_spr,
    sum(b_ti) AS b_ti, sum(b_titi) AS b_titi, sum(b_tir) AS b_tir, sum(b_to) AS b_to, sum(b_toto) AS b_toto, sum(b_tor) AS b_tor,
    sum(c_traces) AS c_traces, sum(c_r) AS c_r, sum(c_rr) AS c_rr, sum(c_sp) AS c_sp, sum(c_spsp) AS c_spsp, sum(c_spr) AS c_spr,
    sum(c_ti) AS c_ti, sum(c_titi) AS c_titi, sum(c_tir) AS c_tir, sum(c_to) AS c_to, sum(c_toto) AS c_toto, sum(c_tor) AS c_tor,
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
        b AND Requests > 0 AS sb,
        c AND Requests > 0 AS sc,
        toFloat64(Requests) AS r,
        arraySum(arrayMap(d -> d / 1e6, RequestDurations)) AS lat,
        toFloat64(InputTokens) AS ti,
        toFloat64(OutputTokens) AS tout,
        toFloat64(Spans) AS sp,
        toFloat64(Cost) AS usd
    SELECT
        {{stratum}} AS stratum,
        countIf(sb) AS s_b_traces, sumIf(r, sb) AS s_b_r, sumIf(r * r, sb) AS s_b_rr, sumIf(Errors, sb) AS s_b_errors,
        sumIf(lat, sb) AS s_b_lat, sumIf(lat * lat, sb) AS s_b_latlat, sumIf(lat * r, sb) AS s_b_latr,
        sumIf(ti, sb) AS s_b_ti, sumIf(ti * ti, sb) AS s_b_titi, sumIf(ti * r, sb) AS s_b_tir,
        sumIf(tout, sb) AS s_b_to, sumIf(tout * tout, sb) AS s_b_toto, sumIf(tout * r, sb) AS s_b_tor,
        sumIf(sp, sb) AS s_b_sp, sumIf(sp * sp, sb) AS s_b_spsp, sumIf(sp * r, sb) AS s_b_spr,
        sumIf(usd, sb) AS s_b_usd, sumIf(usd * usd, sb) AS s_b_usdusd, sumIf(usd * r, sb) AS s_b_usdr,
        countIf(sc) AS s_c_traces, sumIf(r, sc) AS s_c_r, sumIf(r * r, sc) AS s_c_rr, sumIf(Errors, sc) AS s_c_errors,
        sumIf(lat, sc) AS s_c_lat, sumIf(lat * lat, sc) AS s_c_latlat, sumIf(lat * r, sc) AS s_c_latr,
        sumIf(ti, sc) AS s_c_ti, sumIf(ti * ti, sc) AS s_c_titi, sumIf(ti * r, sc) AS s_c_tir,
        sumIf(tout, sc) AS s_c_to, sumIf(tout * tout, sc) AS s_c_toto, sumIf(tout * r, sc) AS s_c_tor,
        sumIf(sp, sc) AS s_c_sp, sumIf(sp * sp, sc) AS s_c_spsp, sumIf(sp * r, sc) AS s_c_spr,
        sumIf(usd, sc) AS s_c_usd, sumIf(usd * usd, sc) AS s_c_usdusd, sumIf(usd * r, sc) AS s_c_usdr,
        countIf(b) AS b_traces,
        sumIf(Requests, b) AS b_r,
        sumIf(Requests * Requests, b) AS b_rr,
        sumIf(Spans, b) AS b_sp,
        sumIf(Spans * Spans, b) AS b_spsp,
        sumIf(Spans * Requests, b) AS b_spr,
        sumIf(InputTokens, b) AS b_ti,
        sumIf(InputTokens * InputTokens, b) AS b_titi,
        sumIf(InputTokens * Requests, b) AS b_tir,
        sumIf(OutputTokens, b) AS b_to,
        sumIf(OutputTokens * OutputTokens, b) AS b_toto,
        sumIf(OutputTokens * Requests, b) AS b_tor,
        countIf(c) AS c_traces,
        sumIf(Requests, c) AS c_r,
        sumIf(Requests * Requests, c) AS c_rr,
        sumIf(Spans, c) AS c_sp,
        sumIf(Spans * Spans, c) AS c_spsp,
        sumIf(Spans * Requests, c) AS c_spr,
        sumIf(InputTokens, c) AS c_ti,
        sumIf(InputTokens * InputTokens, c) AS c_titi,
        sumIf(InputTokens * Requests, c) AS c_tir,
        sumIf(OutputTokens, c) AS c_to,
        sumIf(OutputTokens * OutputTokens, c) AS c_toto,
        sumIf(OutputTokens * Requests, c) AS c_tor,
        groupArrayArrayIf(RequestDurations, b) AS b_durations,
        groupArrayArrayIf(RequestDurations, c) AS c_durations
    FROM verdict_traces
    {{group_join}}
    WHERE {{live}}
        AND {{scope}} AND ({{sampled}})
    GROUP BY stratum
)
)
