-- versions, from a rollup table ({{rollup}}: verdict_rollup_1h or _1m, time column {{bucket}}):
-- per service, environment and version: commits, first/last span, requests, errors, request
-- latency quantiles (merged t-digests), spans and tokens.
SELECT
    ServiceName AS service,
    Environment AS environment,
    AppVersion AS version,
    arraySort(groupUniqArrayIf(GitCommit, GitCommit != '')) AS commits,
    toUnixTimestamp64Milli(min(FirstSeen)) AS first_ms,
    toUnixTimestamp64Milli(max(LastSeen)) AS last_ms,
    sum(Requests) AS requests,
    sum(Errors) AS errors,
    quantilesTDigestIfMerge(0.5, 0.9, 0.95, 0.99)(RequestLatency) AS latency_ns,
    sum(Spans) AS spans,
    sum(InputTokens) AS input_tokens,
    sum(OutputTokens) AS output_tokens
FROM {{rollup}}
WHERE {{scope}}
GROUP BY service, environment, version
ORDER BY service, environment, first_ms, version
