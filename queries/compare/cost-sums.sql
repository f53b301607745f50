-- compare's cost sums for one side ({{side}}: b or c, the side's condition and its columns' prefix)
-- over the settled traces (nano: a trace's cost in integer nanodollars), as columns of a select
-- list; sides.ts costSums renders it for both sides. Read by cost.sql, and by sides.sql in the same
-- pass as the sides' totals (cost.sql documents what they are).
    countIf({{side}} AND Requests > 0) AS {{side}}_request_traces,
    countIf({{side}}) AS {{side}}_rows,
    sumIf(Requests, {{side}}) AS {{side}}_r,
    sumIf(Requests * Requests, {{side}}) AS {{side}}_rr,
    sumIf(nano, {{side}}) / 1e9 AS {{side}}_x,
    toFloat64(sumIf(toInt128(nano) * toInt128(nano), {{side}})) / 1e18 AS {{side}}_xx,
    toFloat64(sumIf(toInt128(nano) * toInt128(Requests), {{side}})) / 1e9 AS {{side}}_xr,
    sumIf(LlmCalls, {{side}}) AS {{side}}_calls,
    sumIf(UnpricedCalls, {{side}}) AS {{side}}_unpriced,
    arraySort(groupUniqArrayArrayIf(UnpricedModels, {{side}})) AS {{side}}_unpriced_models,
    arraySort(groupUniqArrayArrayIf(PriceSources, {{side}})) AS {{side}}_price_sources
