-- One row per trace and version (after merges): its spans, requests, errors, tokens and request
-- durations. compare's significance tests need per-trace values (tokens and spans per request are
-- sums over a trace's spans); summing them from raw spans means grouping millions of spans by their
-- 32-character TraceId on every question. TraceHash = cityHash64(TraceId) comes right after the
-- version in the sort key, so "a deterministic sample of the version's traces" (TraceHash <= cut)
-- is a primary-key range read, not a scan. Rows of one trace written by different inserts are
-- merged in the background; queries group by (AppVersion, TraceHash) to finish the job.
CREATE TABLE IF NOT EXISTS verdict_traces (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    TraceHash UInt64,
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime64(9)),
    Spans SimpleAggregateFunction(sum, UInt64),
    Requests SimpleAggregateFunction(sum, UInt64),
    Errors SimpleAggregateFunction(sum, UInt64),
    InputTokens SimpleAggregateFunction(sum, UInt64),
    OutputTokens SimpleAggregateFunction(sum, UInt64),
    RequestDurations SimpleAggregateFunction(groupArrayArray, Array(UInt64))
) ENGINE = AggregatingMergeTree
ORDER BY (ServiceName, Environment, AppVersion, TraceHash, TraceId)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO verdict_traces
SELECT
    ServiceName, Environment, AppVersion,
    cityHash64(TraceId) AS TraceHash,
    TraceId,
    min(Timestamp) AS Start,
    count() AS Spans,
    countIf(IsRequest = 1) AS Requests,
    countIf(IsRequest = 1 AND StatusCode = 'Error') AS Errors,
    sum(InputTokens) AS InputTokens,
    sum(OutputTokens) AS OutputTokens,
    groupArrayIf(Duration, IsRequest = 1) AS RequestDurations
FROM otel_traces
WHERE (SELECT count() FROM verdict_traces) = 0
GROUP BY ServiceName, Environment, AppVersion, TraceHash, TraceId;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_traces_mv TO verdict_traces
AS SELECT
    ServiceName, Environment, AppVersion,
    cityHash64(TraceId) AS TraceHash,
    TraceId,
    min(Timestamp) AS Start,
    count() AS Spans,
    countIf(IsRequest = 1) AS Requests,
    countIf(IsRequest = 1 AND StatusCode = 'Error') AS Errors,
    sum(InputTokens) AS InputTokens,
    sum(OutputTokens) AS OutputTokens,
    groupArrayIf(Duration, IsRequest = 1) AS RequestDurations
FROM otel_traces
GROUP BY ServiceName, Environment, AppVersion, TraceHash, TraceId;
