-- compare's cost inputs, per side from its settled traces: requests and traces (the quality
-- metrics' coverage denominators), total cost, the cluster sums of a per-request mean (cost per
-- trace x, requests per trace r), and the LLM calls no price covered, with their models. Cost is
-- summed in integer nanodollars, as the cost rollup keeps it (cost-rollup.sql): both give one answer.
-- Each settled row (a trace's service) with requests counts once, as the rollups count it. Per
-- group ({{group_key}}, {{group_join}}: '' for the whole comparison; compare --by's key).
WITH
    ({{baseline}}) AS b,
    ({{candidate}}) AS c,
    toInt64(round(Cost * 1e9)) AS nano
SELECT
    {{group_key}} AS group_key,
    countIf(b AND Requests > 0) AS b_request_traces,
    countIf(b) AS b_rows,
    sumIf(Requests, b) AS b_r,
    sumIf(Requests * Requests, b) AS b_rr,
    sumIf(nano, b) / 1e9 AS b_x,
    toFloat64(sumIf(toInt128(nano) * toInt128(nano), b)) / 1e18 AS b_xx,
    toFloat64(sumIf(toInt128(nano) * toInt128(Requests), b)) / 1e9 AS b_xr,
    sumIf(LlmCalls, b) AS b_calls,
    sumIf(UnpricedCalls, b) AS b_unpriced,
    arraySort(groupUniqArrayArrayIf(UnpricedModels, b)) AS b_unpriced_models,
    arraySort(groupUniqArrayArrayIf(PriceSources, b)) AS b_price_sources,
    countIf(c AND Requests > 0) AS c_request_traces,
    countIf(c) AS c_rows,
    sumIf(Requests, c) AS c_r,
    sumIf(Requests * Requests, c) AS c_rr,
    sumIf(nano, c) / 1e9 AS c_x,
    toFloat64(sumIf(toInt128(nano) * toInt128(nano), c)) / 1e18 AS c_xx,
    toFloat64(sumIf(toInt128(nano) * toInt128(Requests), c)) / 1e9 AS c_xr,
    sumIf(LlmCalls, c) AS c_calls,
    sumIf(UnpricedCalls, c) AS c_unpriced,
    arraySort(groupUniqArrayArrayIf(UnpricedModels, c)) AS c_unpriced_models,
    arraySort(groupUniqArrayArrayIf(PriceSources, c)) AS c_price_sources
FROM verdict_traces_live
{{group_join}}
WHERE {{scope}} AND (b OR c)
GROUP BY group_key
