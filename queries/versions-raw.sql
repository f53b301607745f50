-- versions, from the settled traces themselves (verdict_traces_live): used when a filter narrows
-- the requests (the rollups keep no attributes) and by the test that proves the rollups give the
-- same answers. Latency quantiles are exact here. {{traces}} selects the traces.
SELECT
    ServiceName AS service,
    Environment AS environment,
    AppVersion AS version,
    arraySort(groupUniqArrayIf(GitCommit, GitCommit != '')) AS commits,
    toUnixTimestamp64Milli(min(Start)) AS first_ms,
    toUnixTimestamp64Milli(max(Start)) AS last_ms,
    sum(Requests) AS requests,
    sum(Errors) AS errors,
    quantilesExactArray(0.5, 0.9, 0.95, 0.99)(RequestDurations) AS latency_ns,
    sum(Spans) AS spans,
    sum(InputTokens) AS input_tokens,
    sum(OutputTokens) AS output_tokens,
    -- In whole nanodollars per trace, as the rollups keep it, so both sources answer alike.
    sum(toInt64(round(Cost * 1e9))) / 1e9 AS cost_usd,
    sum(UnpricedCalls) AS unpriced_calls
FROM verdict_traces_live
WHERE {{scope}} AND {{traces}}
GROUP BY service, environment, version
ORDER BY service, environment, first_ms, version
