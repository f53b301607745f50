-- versions, from a rollup table ({{rollup}}: verdict_rollup_1h or _1m, time column {{bucket}}):
-- per service, environment and version of the settled traces: commits, first/last request,
-- requests, errors, request-latency quantiles (from the latency histogram), spans, tokens and cost.
-- A version whose traces were all re-attributed elsewhere nets to zero and is left out.
SELECT
    ServiceName AS service,
    Environment AS environment,
    AppVersion AS version,
    arraySort(groupUniqArrayIf(GitCommit, GitCommit != '' AND Traces > 0)) AS commits,
    toUnixTimestamp64Milli(min(FirstSeen)) AS first_ms,
    toUnixTimestamp64Milli(max(LastSeen)) AS last_ms,
    sum(Requests) AS requests,
    sum(Errors) AS errors,
    {{latency_quantiles}} AS latency_ns,
    sum(Spans) AS spans,
    sum(InputTokens) AS input_tokens,
    sum(OutputTokens) AS output_tokens,
    sum(CostNanoUsd) / 1e9 AS cost_usd,
    sum(UnpricedCalls) AS unpriced_calls
FROM {{rollup}}
WHERE {{scope}}
GROUP BY service, environment, version
HAVING sum(Traces) > 0
ORDER BY service, environment, first_ms, version
