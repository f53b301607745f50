-- compare's cost inputs, per side from its settled traces: requests and traces (the quality
-- metrics' coverage denominators), total cost, the cluster sums of a per-request mean (cost per
-- trace x, requests per trace r), and the LLM calls no price covered, with their models.
WITH
    ({{baseline}}) AS b,
    ({{candidate}}) AS c
SELECT
    uniqExactIf(TraceId, b AND Requests > 0) AS b_request_traces,
    countIf(b) AS b_rows,
    sumIf(Requests, b) AS b_r,
    sumIf(Requests * Requests, b) AS b_rr,
    sumIf(Cost, b) AS b_x,
    sumIf(Cost * Cost, b) AS b_xx,
    sumIf(Cost * Requests, b) AS b_xr,
    sumIf(LlmCalls, b) AS b_calls,
    sumIf(UnpricedCalls, b) AS b_unpriced,
    arraySort(groupUniqArrayArrayIf(UnpricedModels, b)) AS b_unpriced_models,
    arraySort(groupUniqArrayArrayIf(PriceSources, b)) AS b_price_sources,
    uniqExactIf(TraceId, c AND Requests > 0) AS c_request_traces,
    countIf(c) AS c_rows,
    sumIf(Requests, c) AS c_r,
    sumIf(Requests * Requests, c) AS c_rr,
    sumIf(Cost, c) AS c_x,
    sumIf(Cost * Cost, c) AS c_xx,
    sumIf(Cost * Requests, c) AS c_xr,
    sumIf(LlmCalls, c) AS c_calls,
    sumIf(UnpricedCalls, c) AS c_unpriced,
    arraySort(groupUniqArrayArrayIf(UnpricedModels, c)) AS c_unpriced_models,
    arraySort(groupUniqArrayArrayIf(PriceSources, c)) AS c_price_sources
FROM verdict_traces_live
WHERE {{scope}} AND (b OR c)
