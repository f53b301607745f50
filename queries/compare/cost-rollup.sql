-- compare's cost inputs on version cohorts, from the cost rollup (verdict_cost_1m/_1h/_1d,
-- schema/migrations/065): the same sums as cost.sql reads from the settled traces, cost in integer
-- nanodollars (so both give the same answer), unpriced models and price sources as signed counts.
-- Per group ({{group_key}}: '' for the whole comparison, RequestName or Model for compare --by),
-- grouped by {{grouping}}: the groups, or the groups and the whole at once (grouping sets; `whole`
-- tells the whole's row from a group's).
WITH
    AppVersion = {b_version:String} AS b,
    AppVersion = {c_version:String} AS c,
    sumMapIf(UnpricedModels, b) AS b_models,
    sumMapIf(PriceSources, b) AS b_sources,
    sumMapIf(UnpricedModels, c) AS c_models,
    sumMapIf(PriceSources, c) AS c_sources
SELECT
    {{group_key}} AS group_key,
    {{whole}} AS whole,
    sumIf(RequestTraces, b) AS b_request_traces,
    sumIf(Rows, b) AS b_rows,
    sumIf(Requests, b) AS b_r,
    sumIf(RequestsSq, b) AS b_rr,
    sumIf(CostNanoUsd, b) / 1e9 AS b_x,
    toFloat64(sumIf(CostNanoUsdSq, b)) / 1e18 AS b_xx,
    toFloat64(sumIf(CostNanoUsdRequests, b)) / 1e9 AS b_xr,
    sumIf(LlmCalls, b) AS b_calls,
    sumIf(UnpricedCalls, b) AS b_unpriced,
    arrayFilter((m, n) -> n > 0, b_models.1, b_models.2) AS b_unpriced_models,
    arrayFilter((s, n) -> n > 0, b_sources.1, b_sources.2) AS b_price_sources,
    sumIf(RequestTraces, c) AS c_request_traces,
    sumIf(Rows, c) AS c_rows,
    sumIf(Requests, c) AS c_r,
    sumIf(RequestsSq, c) AS c_rr,
    sumIf(CostNanoUsd, c) / 1e9 AS c_x,
    toFloat64(sumIf(CostNanoUsdSq, c)) / 1e18 AS c_xx,
    toFloat64(sumIf(CostNanoUsdRequests, c)) / 1e9 AS c_xr,
    sumIf(LlmCalls, c) AS c_calls,
    sumIf(UnpricedCalls, c) AS c_unpriced,
    arrayFilter((m, n) -> n > 0, c_models.1, c_models.2) AS c_unpriced_models,
    arrayFilter((s, n) -> n > 0, c_sources.1, c_sources.2) AS c_price_sources
FROM {{cost_rollup}}
WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
GROUP BY {{grouping}}
