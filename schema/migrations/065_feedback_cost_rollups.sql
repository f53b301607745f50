-- Rollups of feedback and of cost per request, so that compare (and its breakdowns) on version
-- cohorts reads a few thousand rows instead of grouping every assessment and every settled trace:
--
--   verdict_traces ──MV──▶ verdict_cost_1m ──MV──▶ _1h ──MV──▶ _1d
--        signed per-request sums: request traces, rows, requests and their squares, cost in
--        integer nanodollars with its square and its product with requests (Int128, so that +1/-1
--        rows cancel exactly), unpriced models and price sources as signed counts.
--
--   feedback settle (schema/feedback-settle.sql, after each settle, under the settle lock)
--        ──▶ verdict_feedback_traces ──MV──▶ verdict_feedback_1m ──MV──▶ _1h ──MV──▶ _1d
--        per (settled trace row with requests, feedback name): the trace's live feedback (MLflow's
--        override: the latest assessment per trace, name and source, as verdict_assessments_live)
--        counted, summed, squared and label-counted. A trace is recomputed when its parts change
--        (it settles, or is re-attributed) or an assessment of it arrives; what changed is written as
--        a -1 row repeating the old contribution and a +1 row with the new one, so the rollups move
--        exactly. An assessment that arrives before its trace joins when the trace settles.
--
-- Both are keyed like the span rollups (service, environment, version, root operation, model,
-- time) so that compare's scope, alignment and --by name|model read them as they read those.
-- Rebuilt whole each time this runs (as 050): a run cut short is simply run again; it runs under
-- the settle lock, so no settle writes between the views' creation and the backfill.

DROP VIEW IF EXISTS verdict_cost_1d_mv;

DROP VIEW IF EXISTS verdict_cost_1h_mv;

DROP VIEW IF EXISTS verdict_cost_1m_mv;

DROP TABLE IF EXISTS verdict_cost_1d;

DROP TABLE IF EXISTS verdict_cost_1h;

DROP TABLE IF EXISTS verdict_cost_1m;

DROP VIEW IF EXISTS verdict_feedback_1d_mv;

DROP VIEW IF EXISTS verdict_feedback_1h_mv;

DROP VIEW IF EXISTS verdict_feedback_1m_mv;

DROP TABLE IF EXISTS verdict_feedback_1d;

DROP TABLE IF EXISTS verdict_feedback_1h;

DROP TABLE IF EXISTS verdict_feedback_1m;

DROP TABLE IF EXISTS verdict_feedback_traces;

CREATE TABLE IF NOT EXISTS verdict_cost_1m (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    RequestTraces SimpleAggregateFunction(sum, Int64),
    Rows SimpleAggregateFunction(sum, Int64),
    Requests SimpleAggregateFunction(sum, Int64),
    RequestsSq SimpleAggregateFunction(sum, Int64),
    CostNanoUsd SimpleAggregateFunction(sum, Int64),
    CostNanoUsdSq SimpleAggregateFunction(sum, Int128),
    CostNanoUsdRequests SimpleAggregateFunction(sum, Int128),
    LlmCalls SimpleAggregateFunction(sum, Int64),
    UnpricedCalls SimpleAggregateFunction(sum, Int64),
    UnpricedModels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64))),
    PriceSources SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64)))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (ServiceName, Environment, AppVersion, RequestName, Model, Minute)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS verdict_cost_1h (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Hour DateTime CODEC(Delta(4), ZSTD(1)),
    RequestTraces SimpleAggregateFunction(sum, Int64),
    Rows SimpleAggregateFunction(sum, Int64),
    Requests SimpleAggregateFunction(sum, Int64),
    RequestsSq SimpleAggregateFunction(sum, Int64),
    CostNanoUsd SimpleAggregateFunction(sum, Int64),
    CostNanoUsdSq SimpleAggregateFunction(sum, Int128),
    CostNanoUsdRequests SimpleAggregateFunction(sum, Int128),
    LlmCalls SimpleAggregateFunction(sum, Int64),
    UnpricedCalls SimpleAggregateFunction(sum, Int64),
    UnpricedModels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64))),
    PriceSources SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64)))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (ServiceName, Environment, AppVersion, RequestName, Model, Hour)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS verdict_cost_1d (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Day DateTime CODEC(Delta(4), ZSTD(1)),
    RequestTraces SimpleAggregateFunction(sum, Int64),
    Rows SimpleAggregateFunction(sum, Int64),
    Requests SimpleAggregateFunction(sum, Int64),
    RequestsSq SimpleAggregateFunction(sum, Int64),
    CostNanoUsd SimpleAggregateFunction(sum, Int64),
    CostNanoUsdSq SimpleAggregateFunction(sum, Int128),
    CostNanoUsdRequests SimpleAggregateFunction(sum, Int128),
    LlmCalls SimpleAggregateFunction(sum, Int64),
    UnpricedCalls SimpleAggregateFunction(sum, Int64),
    UnpricedModels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64))),
    PriceSources SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64)))
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(Day)
ORDER BY (ServiceName, Environment, AppVersion, RequestName, Model, Day)
SETTINGS non_replicated_deduplication_window = 1000;

-- Unpriced models and price sources as (name, signed count) maps: a model is in a side's answer
-- when its count there is above 0, exactly as the settled traces' arrays would give it.
CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_cost_1m_mv TO verdict_cost_1m
AS SELECT
    ServiceName, Environment, AppVersion, RequestName, Model,
    toStartOfMinute(Start) AS Minute,
    sum(Sign * toInt64(req > 0)) AS RequestTraces,
    sum(Sign) AS Rows,
    sum(Sign * req) AS Requests,
    sum(Sign * req * req) AS RequestsSq,
    sum(Sign * nano) AS CostNanoUsd,
    sum(toInt128(Sign) * toInt128(nano) * toInt128(nano)) AS CostNanoUsdSq,
    sum(toInt128(Sign) * toInt128(nano) * toInt128(req)) AS CostNanoUsdRequests,
    sum(Sign * calls) AS LlmCalls,
    sum(Sign * unpriced) AS UnpricedCalls,
    sumMap(models, arrayMap(m -> toInt64(Sign), models)) AS UnpricedModels,
    sumMap(sources, arrayMap(x -> toInt64(Sign), sources)) AS PriceSources
-- (renamed in a subquery: the sums' aliases are the columns' own names)
FROM (
    SELECT ServiceName, Environment, AppVersion, RequestName, Model, Start, Sign, toInt64(Requests) AS req, toInt64(round(Cost * 1e9)) AS nano,
        toInt64(LlmCalls) AS calls, toInt64(UnpricedCalls) AS unpriced, UnpricedModels AS models, PriceSources AS sources
    FROM verdict_traces
)
GROUP BY ServiceName, Environment, AppVersion, RequestName, Model, Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_cost_1h_mv TO verdict_cost_1h
AS SELECT
    ServiceName, Environment, AppVersion, RequestName, Model,
    toStartOfHour(Minute) AS Hour,
    sum(RequestTraces) AS RequestTraces, sum(Rows) AS Rows, sum(Requests) AS Requests, sum(RequestsSq) AS RequestsSq,
    sum(CostNanoUsd) AS CostNanoUsd, sum(CostNanoUsdSq) AS CostNanoUsdSq, sum(CostNanoUsdRequests) AS CostNanoUsdRequests,
    sum(LlmCalls) AS LlmCalls, sum(UnpricedCalls) AS UnpricedCalls, sumMap(UnpricedModels) AS UnpricedModels, sumMap(PriceSources) AS PriceSources
FROM verdict_cost_1m
GROUP BY ServiceName, Environment, AppVersion, RequestName, Model, Hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_cost_1d_mv TO verdict_cost_1d
AS SELECT
    ServiceName, Environment, AppVersion, RequestName, Model,
    toStartOfDay(Hour, 'UTC') AS Day,
    sum(RequestTraces) AS RequestTraces, sum(Rows) AS Rows, sum(Requests) AS Requests, sum(RequestsSq) AS RequestsSq,
    sum(CostNanoUsd) AS CostNanoUsd, sum(CostNanoUsdSq) AS CostNanoUsdSq, sum(CostNanoUsdRequests) AS CostNanoUsdRequests,
    sum(LlmCalls) AS LlmCalls, sum(UnpricedCalls) AS UnpricedCalls, sumMap(UnpricedModels) AS UnpricedModels, sumMap(PriceSources) AS PriceSources
FROM verdict_cost_1h
GROUP BY ServiceName, Environment, AppVersion, RequestName, Model, Day;

-- One row per (settled trace row, feedback name) and change: Traces is 1 while the row's
-- contribution is live (-1 on the row cancelling it); N counts live assessments with a score
-- (number, or boolean as 0/1), Labels the string values; Numbers/Booleans/Strings count the value
-- types seen. LastArrival is the newest assessment's arrival (the feedback settle's watermark).
CREATE TABLE IF NOT EXISTS verdict_feedback_traces (
    TraceHash UInt64,
    TraceId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Minute DateTime,
    Name LowCardinality(String),
    Traces SimpleAggregateFunction(sum, Int64),
    N SimpleAggregateFunction(sum, Int64),
    ScoreSum SimpleAggregateFunction(sum, Float64),
    ScoreSumSq SimpleAggregateFunction(sum, Float64),
    Labels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64))),
    Numbers SimpleAggregateFunction(sum, Int64),
    Booleans SimpleAggregateFunction(sum, Int64),
    Strings SimpleAggregateFunction(sum, Int64),
    LastArrival SimpleAggregateFunction(max, DateTime64(3))
) ENGINE = AggregatingMergeTree
ORDER BY (TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS verdict_feedback_1m (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Minute DateTime CODEC(Delta(4), ZSTD(1)),
    Name LowCardinality(String),
    Traces SimpleAggregateFunction(sum, Int64),
    N SimpleAggregateFunction(sum, Int64),
    ScoreSum SimpleAggregateFunction(sum, Float64),
    ScoreSumSq SimpleAggregateFunction(sum, Float64),
    Labels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64))),
    Numbers SimpleAggregateFunction(sum, Int64),
    Booleans SimpleAggregateFunction(sum, Int64),
    Strings SimpleAggregateFunction(sum, Int64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (ServiceName, Environment, AppVersion, RequestName, Model, Name, Minute)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS verdict_feedback_1h (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Hour DateTime CODEC(Delta(4), ZSTD(1)),
    Name LowCardinality(String),
    Traces SimpleAggregateFunction(sum, Int64),
    N SimpleAggregateFunction(sum, Int64),
    ScoreSum SimpleAggregateFunction(sum, Float64),
    ScoreSumSq SimpleAggregateFunction(sum, Float64),
    Labels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64))),
    Numbers SimpleAggregateFunction(sum, Int64),
    Booleans SimpleAggregateFunction(sum, Int64),
    Strings SimpleAggregateFunction(sum, Int64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (ServiceName, Environment, AppVersion, RequestName, Model, Name, Hour)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS verdict_feedback_1d (
    ServiceName LowCardinality(String),
    Environment LowCardinality(String),
    AppVersion LowCardinality(String),
    RequestName LowCardinality(String),
    Model LowCardinality(String),
    Day DateTime CODEC(Delta(4), ZSTD(1)),
    Name LowCardinality(String),
    Traces SimpleAggregateFunction(sum, Int64),
    N SimpleAggregateFunction(sum, Int64),
    ScoreSum SimpleAggregateFunction(sum, Float64),
    ScoreSumSq SimpleAggregateFunction(sum, Float64),
    Labels SimpleAggregateFunction(sumMap, Tuple(Array(String), Array(Int64))),
    Numbers SimpleAggregateFunction(sum, Int64),
    Booleans SimpleAggregateFunction(sum, Int64),
    Strings SimpleAggregateFunction(sum, Int64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYear(Day)
ORDER BY (ServiceName, Environment, AppVersion, RequestName, Model, Name, Day)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_feedback_1m_mv TO verdict_feedback_1m
AS SELECT
    ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name,
    sum(Traces) AS Traces, sum(N) AS N, sum(ScoreSum) AS ScoreSum, sum(ScoreSumSq) AS ScoreSumSq, sumMap(Labels) AS Labels,
    sum(Numbers) AS Numbers, sum(Booleans) AS Booleans, sum(Strings) AS Strings
FROM verdict_feedback_traces
GROUP BY ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_feedback_1h_mv TO verdict_feedback_1h
AS SELECT
    ServiceName, Environment, AppVersion, RequestName, Model, toStartOfHour(Minute) AS Hour, Name,
    sum(Traces) AS Traces, sum(N) AS N, sum(ScoreSum) AS ScoreSum, sum(ScoreSumSq) AS ScoreSumSq, sumMap(Labels) AS Labels,
    sum(Numbers) AS Numbers, sum(Booleans) AS Booleans, sum(Strings) AS Strings
FROM verdict_feedback_1m
GROUP BY ServiceName, Environment, AppVersion, RequestName, Model, Hour, Name;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_feedback_1d_mv TO verdict_feedback_1d
AS SELECT
    ServiceName, Environment, AppVersion, RequestName, Model, toStartOfDay(Hour, 'UTC') AS Day, Name,
    sum(Traces) AS Traces, sum(N) AS N, sum(ScoreSum) AS ScoreSum, sum(ScoreSumSq) AS ScoreSumSq, sumMap(Labels) AS Labels,
    sum(Numbers) AS Numbers, sum(Booleans) AS Booleans, sum(Strings) AS Strings
FROM verdict_feedback_1h
GROUP BY ServiceName, Environment, AppVersion, RequestName, Model, Day, Name;

-- The feedback settle finds recent assessments by arrival.
ALTER TABLE verdict_assessments ADD INDEX IF NOT EXISTS arrival Arrival TYPE minmax GRANULARITY 1;

ALTER TABLE verdict_assessments MATERIALIZE INDEX arrival;

-- Backfill: cost from every settled row (signed, as the view would have seen them) …
INSERT INTO verdict_cost_1m
SELECT
    ServiceName, Environment, AppVersion, RequestName, Model,
    toStartOfMinute(Start) AS Minute,
    sum(Sign * toInt64(req > 0)) AS RequestTraces,
    sum(Sign) AS Rows,
    sum(Sign * req) AS Requests,
    sum(Sign * req * req) AS RequestsSq,
    sum(Sign * nano) AS CostNanoUsd,
    sum(toInt128(Sign) * toInt128(nano) * toInt128(nano)) AS CostNanoUsdSq,
    sum(toInt128(Sign) * toInt128(nano) * toInt128(req)) AS CostNanoUsdRequests,
    sum(Sign * calls) AS LlmCalls,
    sum(Sign * unpriced) AS UnpricedCalls,
    sumMap(models, arrayMap(m -> toInt64(Sign), models)) AS UnpricedModels,
    sumMap(sources, arrayMap(x -> toInt64(Sign), sources)) AS PriceSources
-- (renamed in a subquery: the sums' aliases are the columns' own names)
FROM (
    SELECT ServiceName, Environment, AppVersion, RequestName, Model, Start, Sign, toInt64(Requests) AS req, toInt64(round(Cost * 1e9)) AS nano,
        toInt64(LlmCalls) AS calls, toInt64(UnpricedCalls) AS unpriced, UnpricedModels AS models, PriceSources AS sources
    FROM verdict_traces
)
GROUP BY ServiceName, Environment, AppVersion, RequestName, Model, Minute
SETTINGS max_partitions_per_insert_block = 0;

-- … and the live feedback of every settled trace, as the feedback settle computes it.
INSERT INTO verdict_feedback_traces
SELECT
    t.TraceHash, t.TraceId, t.ServiceName, t.Environment, t.AppVersion, t.RequestName, t.Model, t.Minute, a.Name,
    1 AS Traces, a.N, a.ScoreSum, a.ScoreSumSq, a.Labels, a.Numbers, a.Booleans, a.Strings, a.LastArrival
FROM (
    SELECT TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, toStartOfMinute(Start) AS Minute
    FROM verdict_traces
    WHERE Requests > 0 AND TraceId IN (SELECT TraceId FROM verdict_assessments WHERE Kind = 'feedback')
    GROUP BY TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute
    HAVING sum(Sign) > 0
) AS t
INNER JOIN (
    SELECT
        TraceId, Name,
        countIf(latest.2 IS NOT NULL) AS N,
        sumIf(assumeNotNull(latest.2), latest.2 IS NOT NULL) AS ScoreSum,
        sumIf(assumeNotNull(latest.2) * assumeNotNull(latest.2), latest.2 IS NOT NULL) AS ScoreSumSq,
        sumMapIf([latest.3], [toInt64(1)], latest.1 = 'string') AS Labels,
        countIf(latest.1 = 'number') AS Numbers,
        countIf(latest.1 = 'boolean') AS Booleans,
        countIf(latest.1 = 'string') AS Strings,
        max(arrival) AS LastArrival
    FROM (
        SELECT TraceId, Name, argMax(tuple(ValueType, Score, Label, Error), (Timestamp, Arrival)) AS latest, max(Arrival) AS arrival
        FROM verdict_assessments
        WHERE Kind = 'feedback'
        GROUP BY TraceId, Name, SourceType, SourceId
    )
    WHERE latest.4 = '' AND latest.1 IN ('number', 'boolean', 'string')
    GROUP BY TraceId, Name
) AS a ON a.TraceId = t.TraceId
SETTINGS max_partitions_per_insert_block = 0
