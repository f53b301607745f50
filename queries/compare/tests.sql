-- compare, the inputs of the significance tests, from each side's settled traces. With heavy
-- traffic a deterministic sample of whole traces (TraceHash at most a per-side cut; for a version
-- cohort a range of the table's sort key) keeps the cost flat: tens of thousands of requests per
-- side already detect shifts far below any threshold.
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
    WITH
        ({{baseline}}) AND TraceHash <= {baseline_cut:UInt64} AS b,
        ({{candidate}}) AND TraceHash <= {candidate_cut:UInt64} AS c
    SELECT
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
        mannWhitneyUTestArray(
            arrayConcat(if(b, RequestDurations, []), if(c, RequestDurations, [])),
            arrayConcat(arrayMap(x -> toUInt8(0), if(b, RequestDurations, [])), arrayMap(x -> toUInt8(1), if(c, RequestDurations, [])))) AS mwu,
        arraySort(groupArrayArrayIf(RequestDurations, b)) AS b_sorted,
        arraySort(groupArrayArrayIf(RequestDurations, c)) AS c_sorted
    FROM verdict_traces_live
    WHERE {{scope}} AND (b OR c)
)
