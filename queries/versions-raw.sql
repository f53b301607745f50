-- versions, from the spans themselves: used when a filter narrows the requests (the rollups keep no
-- attributes) and by the test that proves the rollups give the same answers. Latency quantiles are
-- exact here. {{request}} is the filter on request rows, {{span}} reaches their traces' other spans.
WITH
    ({{span}}) AS in_scope,
    IsRequest = 1 AND ({{request}}) AS is_request
SELECT
    ServiceName AS service,
    Environment AS environment,
    AppVersion AS version,
    arraySort(groupUniqArrayIf(GitCommit, GitCommit != '')) AS commits,
    toUnixTimestamp64Milli(min(Timestamp)) AS first_ms,
    toUnixTimestamp64Milli(max(Timestamp)) AS last_ms,
    countIf(is_request) AS requests,
    countIf(is_request AND StatusCode = 'Error') AS errors,
    quantilesExactIf(0.5, 0.9, 0.95, 0.99)(Duration, is_request) AS latency_ns,
    count() AS spans,
    sum(InputTokens) AS input_tokens,
    sum(OutputTokens) AS output_tokens
FROM otel_traces
WHERE {{scope}} AND in_scope
GROUP BY service, environment, version
ORDER BY service, environment, first_ms, version
