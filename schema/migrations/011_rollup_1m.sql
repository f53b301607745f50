-- Per-minute and per-hour rollups of every span, keyed by the dimensions the version questions group by:
-- service, environment, version, commit and span name. Request columns (Requests, Errors,
-- RequestDurationNs, RequestLatency) count only request spans (IsRequest); Spans and the token sums
-- count every span, so "spans per request" and "tokens per request" are sums over all spans of a
-- version divided by its requests. Versions, error rate over time and deployments read this table
-- instead of otel_traces; test/queries/rollup-equality.test.ts proves the answers are the same.
CREATE TABLE IF NOT EXISTS verdict_rollup_1m (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    GitCommit LowCardinality(String),
    SpanName LowCardinality(String),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Spans SimpleAggregateFunction(sum, UInt64),
    SpanErrors SimpleAggregateFunction(sum, UInt64),
    Requests SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    RequestDurationNs SimpleAggregateFunction(sum, UInt64),
    RequestLatency AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), UInt64, UInt8),
    InputTokens SimpleAggregateFunction(sum, UInt64),
    OutputTokens SimpleAggregateFunction(sum, UInt64),
    FirstSeen SimpleAggregateFunction(min, DateTime64(9)),
    LastSeen SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (ServiceName, Environment, AppVersion, SpanName, GitCommit, Minute)
SETTINGS non_replicated_deduplication_window = 1000;

-- Spans stored before this migration: summed once, before the view exists (the collector applies
-- migrations before it accepts spans). Guarded so that re-running the file after a crash between
-- applying and recording it does not add them twice.
INSERT INTO verdict_rollup_1m
SELECT
    ServiceName, Environment, AppVersion, GitCommit, SpanName,
    toStartOfMinute(Timestamp) AS Minute,
    count() AS Spans,
    countIf(StatusCode = 'Error') AS SpanErrors,
    countIf(IsRequest = 1) AS Requests,
    countIf(IsRequest = 1 AND StatusCode = 'Error') AS Errors,
    sumIf(Duration, IsRequest = 1) AS RequestDurationNs,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(Duration, IsRequest) AS RequestLatency,
    sum(InputTokens) AS InputTokens,
    sum(OutputTokens) AS OutputTokens,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen
FROM otel_traces
WHERE (SELECT count() FROM verdict_rollup_1m) = 0
GROUP BY ServiceName, Environment, AppVersion, GitCommit, SpanName, Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_rollup_1m_mv TO verdict_rollup_1m
AS SELECT
    ServiceName, Environment, AppVersion, GitCommit, SpanName,
    toStartOfMinute(Timestamp) AS Minute,
    count() AS Spans,
    countIf(StatusCode = 'Error') AS SpanErrors,
    countIf(IsRequest = 1) AS Requests,
    countIf(IsRequest = 1 AND StatusCode = 'Error') AS Errors,
    sumIf(Duration, IsRequest = 1) AS RequestDurationNs,
    quantilesTDigestIfState(0.5, 0.9, 0.95, 0.99)(Duration, IsRequest) AS RequestLatency,
    sum(InputTokens) AS InputTokens,
    sum(OutputTokens) AS OutputTokens,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen
FROM otel_traces
GROUP BY ServiceName, Environment, AppVersion, GitCommit, SpanName, Minute;

-- The same rollup per hour, for long ranges (a month is 720 rows per key instead of 43,200).
-- Fed by the minute table's own inserts, so it merges already-aggregated blocks, never raw spans.
CREATE TABLE IF NOT EXISTS verdict_rollup_1h (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    GitCommit LowCardinality(String),
    SpanName LowCardinality(String),
    Hour DateTime CODEC(Delta(4), ZSTD(1)),
    Spans SimpleAggregateFunction(sum, UInt64),
    SpanErrors SimpleAggregateFunction(sum, UInt64),
    Requests SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    RequestDurationNs SimpleAggregateFunction(sum, UInt64),
    RequestLatency AggregateFunction(quantilesTDigestIf(0.5, 0.9, 0.95, 0.99), UInt64, UInt8),
    InputTokens SimpleAggregateFunction(sum, UInt64),
    OutputTokens SimpleAggregateFunction(sum, UInt64),
    FirstSeen SimpleAggregateFunction(min, DateTime64(9)),
    LastSeen SimpleAggregateFunction(max, DateTime64(9))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (ServiceName, Environment, AppVersion, SpanName, GitCommit, Hour)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO verdict_rollup_1h
SELECT
    ServiceName, Environment, AppVersion, GitCommit, SpanName,
    toStartOfHour(Minute) AS Hour,
    sum(Spans), sum(SpanErrors), sum(Requests), sum(Errors), sum(RequestDurationNs),
    quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(RequestLatency),
    sum(InputTokens), sum(OutputTokens), min(FirstSeen), max(LastSeen)
FROM verdict_rollup_1m
WHERE (SELECT count() FROM verdict_rollup_1h) = 0
GROUP BY ServiceName, Environment, AppVersion, GitCommit, SpanName, Hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_rollup_1h_mv TO verdict_rollup_1h
AS SELECT
    ServiceName, Environment, AppVersion, GitCommit, SpanName,
    toStartOfHour(Minute) AS Hour,
    sum(Spans) AS Spans,
    sum(SpanErrors) AS SpanErrors,
    sum(Requests) AS Requests,
    sum(Errors) AS Errors,
    sum(RequestDurationNs) AS RequestDurationNs,
    quantilesTDigestIfMergeState(0.5, 0.9, 0.95, 0.99)(RequestLatency) AS RequestLatency,
    sum(InputTokens) AS InputTokens,
    sum(OutputTokens) AS OutputTokens,
    min(FirstSeen) AS FirstSeen,
    max(LastSeen) AS LastSeen
FROM verdict_rollup_1m
GROUP BY ServiceName, Environment, AppVersion, GitCommit, SpanName, Hour;
