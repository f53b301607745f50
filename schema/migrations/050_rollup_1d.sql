-- A daily rollup beside the minute and hour ones, fed from the hourly one: a question over a range
-- of whole days reads one row per key and day (30 per key for a month, against 720 hourly), so
-- its cost follows the window asked, not the spans kept (queries/rollup.ts picks the table).
-- Days are UTC days, whatever the server's time zone, as the questions' day-aligned ranges are.
-- It carries every column of the hourly rollup, cost (032) included.
--
-- Rebuilt whole each time this runs: a run cut short (its collector died) is simply run again.
-- It runs under the settle lock (schema/apply-schema.ts), so no settle writes the hourly rollup
-- between the view's creation and the backfill: every hour is counted once.

DROP VIEW IF EXISTS verdict_rollup_1d_mv;

DROP TABLE IF EXISTS verdict_rollup_1d;

CREATE TABLE IF NOT EXISTS verdict_rollup_1d (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    GitCommit LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Day DateTime CODEC(Delta(4), ZSTD(1)),
    Traces SimpleAggregateFunction(sum, Int64),
    Requests SimpleAggregateFunction(sum, Int64),
    Errors SimpleAggregateFunction(sum, Int64),
    Spans SimpleAggregateFunction(sum, Int64),
    SpanErrors SimpleAggregateFunction(sum, Int64),
    InputTokens SimpleAggregateFunction(sum, Int64),
    OutputTokens SimpleAggregateFunction(sum, Int64),
    RequestDurationNs SimpleAggregateFunction(sum, Int64),
    Latency SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(Int64))),
    FirstSeen SimpleAggregateFunction(min, DateTime64(9)),
    LastSeen SimpleAggregateFunction(max, DateTime64(9)),
    CostNanoUsd SimpleAggregateFunction(sum, Int64),
    LlmCalls SimpleAggregateFunction(sum, Int64),
    UnpricedCalls SimpleAggregateFunction(sum, Int64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(Day)
ORDER BY (ServiceName, Environment, AppVersion, RequestName, Model, GitCommit, Day)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_rollup_1d_mv TO verdict_rollup_1d
AS SELECT
    ServiceName, Environment, AppVersion, GitCommit, RequestName, Model,
    toStartOfDay(Hour, 'UTC') AS Day,
    sum(Traces) AS Traces,
    sum(Requests) AS Requests,
    sum(Errors) AS Errors,
    sum(Spans) AS Spans,
    sum(SpanErrors) AS SpanErrors,
    sum(InputTokens) AS InputTokens,
    sum(OutputTokens) AS OutputTokens,
    sum(RequestDurationNs) AS RequestDurationNs,
    sumMap(Latency) AS Latency,
    min(FirstSeen) AS FirstSeen,
    max(LastSeen) AS LastSeen,
    sum(CostNanoUsd) AS CostNanoUsd,
    sum(LlmCalls) AS LlmCalls,
    sum(UnpricedCalls) AS UnpricedCalls
FROM verdict_rollup_1h
GROUP BY ServiceName, Environment, AppVersion, GitCommit, RequestName, Model, Day;

-- The hours already rolled up, once.
INSERT INTO verdict_rollup_1d
SELECT
    ServiceName, Environment, AppVersion, GitCommit, RequestName, Model,
    toStartOfDay(Hour, 'UTC') AS Day,
    sum(Traces), sum(Requests), sum(Errors), sum(Spans), sum(SpanErrors), sum(InputTokens), sum(OutputTokens),
    sum(RequestDurationNs), sumMap(Latency), min(FirstSeen), max(LastSeen),
    sum(CostNanoUsd), sum(LlmCalls), sum(UnpricedCalls)
FROM verdict_rollup_1h
GROUP BY ServiceName, Environment, AppVersion, GitCommit, RequestName, Model, Day
SETTINGS max_partitions_per_insert_block = 0
