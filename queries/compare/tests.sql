-- compare, the inputs of the significance tests, from each side's traces. With heavy traffic a
-- deterministic sample of whole traces (cityHash64(TraceId) at most a per-side cut) keeps the cost
-- flat: tens of thousands of requests per side already detect shifts far below any threshold.
--   * per trace: its requests r, spans, input/output tokens → cluster sums for the per-request means
--   * per request: durations → Mann–Whitney U (ClickHouse's mannWhitneyUTest, over the arrays of
--     every trace via the -Array combinator, which takes no parameters: two-sided is the default),
--     and each side's order-statistic interval for each quantile (quantile-ci.sql)
SELECT
    b_traces, b_r, b_rr, b_sp, b_spsp, b_spr, b_ti, b_titi, b_tir, b_to, b_toto, b_tor,
    c_traces, c_r, c_rr, c_sp, c_spsp, c_spr, c_ti, c_titi, c_tir, c_to, c_toto, c_tor,
    mwu.2 AS latency_p_value,
    length(b_sorted) AS b_sampled_requests,
    length(c_sorted) AS c_sampled_requests,
    {{baseline_quantile_ci}},
    {{candidate_quantile_ci}}
FROM (
    SELECT
        countIf(sp_b > 0) AS b_traces,
        sum(r_b) AS b_r,
        sum(r_b * r_b) AS b_rr,
        sum(sp_b) AS b_sp,
        sum(sp_b * sp_b) AS b_spsp,
        sum(sp_b * r_b) AS b_spr,
        sum(ti_b) AS b_ti,
        sum(ti_b * ti_b) AS b_titi,
        sum(ti_b * r_b) AS b_tir,
        sum(to_b) AS b_to,
        sum(to_b * to_b) AS b_toto,
        sum(to_b * r_b) AS b_tor,
        countIf(sp_c > 0) AS c_traces,
        sum(r_c) AS c_r,
        sum(r_c * r_c) AS c_rr,
        sum(sp_c) AS c_sp,
        sum(sp_c * sp_c) AS c_spsp,
        sum(sp_c * r_c) AS c_spr,
        sum(ti_c) AS c_ti,
        sum(ti_c * ti_c) AS c_titi,
        sum(ti_c * r_c) AS c_tir,
        sum(to_c) AS c_to,
        sum(to_c * to_c) AS c_toto,
        sum(to_c * r_c) AS c_tor,
        mannWhitneyUTestArray(
            arrayConcat(d_b, d_c),
            arrayConcat(arrayMap(x -> toUInt8(0), d_b), arrayMap(x -> toUInt8(1), d_c))) AS mwu,
        arraySort(groupArrayArray(d_b)) AS b_sorted,
        arraySort(groupArrayArray(d_c)) AS c_sorted
    FROM (
        WITH
            cityHash64(TraceId) AS h,
            ({{baseline_span}}) AND h <= {baseline_cut:UInt64} AS in_baseline,
            ({{candidate_span}}) AND h <= {candidate_cut:UInt64} AS in_candidate,
            in_baseline AND IsRequest = 1 AND ({{baseline_request}}) AS baseline_request,
            in_candidate AND IsRequest = 1 AND ({{candidate_request}}) AS candidate_request
        SELECT
            countIf(baseline_request) AS r_b,
            countIf(in_baseline) AS sp_b,
            sumIf(InputTokens, in_baseline) AS ti_b,
            sumIf(OutputTokens, in_baseline) AS to_b,
            groupArrayIf(Duration, baseline_request) AS d_b,
            countIf(candidate_request) AS r_c,
            countIf(in_candidate) AS sp_c,
            sumIf(InputTokens, in_candidate) AS ti_c,
            sumIf(OutputTokens, in_candidate) AS to_c,
            groupArrayIf(Duration, candidate_request) AS d_c
        FROM otel_traces
        WHERE {{scope}} AND (in_baseline OR in_candidate)
        GROUP BY TraceId
    )
)
