-- What LLM calls cost, priced when their trace is settled (store/settle.ts, store/prices.ts):
--
--   otel_traces ──MV──▶ verdict_usage          per (trace, service, day, provider, model): calls,
--                                              tokens (cached input apart), and the cost the app
--                                              reported itself (which wins over a price)
--        └──MV──▶ verdict_price_keys           the distinct (provider, model, day) seen
--   settle prices each new key once in JS (@pydantic/genai-prices, or the user's prices file) into
--   verdict_prices (USD per token, the price data's version), and the trace summary joins them:
--   verdict_traces gains Cost, LlmCalls, UnpricedCalls, UnpricedModels, PriceSources; the rollups
--   gain CostNanoUsd (an integer, so that signed sums cancel exactly), LlmCalls, UnpricedCalls.
--
-- Tokens: the semconv usage attributes (input tokens include cached ones, as the convention says),
-- then the MLflow / Langfuse / OpenInference aliases docs/schema.md lists. The app's own cost:
-- gen_ai.usage.cost, OpenInference llm.cost.total, MLflow mlflow.llm.cost.total_cost, Langfuse
-- langfuse.observation.cost_details.total.
CREATE TABLE IF NOT EXISTS verdict_usage (
    TraceHash UInt64,
    TraceId String CODEC(ZSTD(1)),
    ServiceName LowCardinality(String),
    Day Date,
    Provider LowCardinality(String),
    Model LowCardinality(String),
    Calls SimpleAggregateFunction(sum, UInt64),
    InputTokens SimpleAggregateFunction(sum, UInt64),
    CacheReadTokens SimpleAggregateFunction(sum, UInt64),
    CacheWriteTokens SimpleAggregateFunction(sum, UInt64),
    OutputTokens SimpleAggregateFunction(sum, UInt64),
    ReportedCalls SimpleAggregateFunction(sum, UInt64),
    ReportedCost SimpleAggregateFunction(sum, Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Day)
ORDER BY (TraceHash, TraceId, ServiceName, Day, Provider, Model)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_usage_mv TO verdict_usage
AS WITH
    coalesce(nullIf(SpanAttributes['gen_ai.response.model'], ''), SpanAttributes['gen_ai.request.model']) AS model,
    toFloat64OrNull(coalesce(
        nullIf(SpanAttributes['gen_ai.usage.cost'], ''),
        nullIf(SpanAttributes['llm.cost.total'], ''),
        nullIf(JSONExtractRaw(SpanAttributes['mlflow.llm.cost'], 'total_cost'), ''),
        nullIf(JSONExtractRaw(SpanAttributes['langfuse.observation.cost_details'], 'total'), ''),
        '')) AS reported,
    toUInt64OrZero(coalesce(
        nullIf(SpanAttributes['gen_ai.usage.cache_read.input_tokens'], ''),
        nullIf(SpanAttributes['gen_ai.usage.cache_read_input_tokens'], ''),
        nullIf(SpanAttributes['llm.token_count.prompt_details.cache_read'], ''),
        '')) AS cache_read,
    toUInt64OrZero(coalesce(
        nullIf(SpanAttributes['gen_ai.usage.cache_creation.input_tokens'], ''),
        nullIf(SpanAttributes['gen_ai.usage.cache_creation_input_tokens'], ''),
        nullIf(SpanAttributes['llm.token_count.prompt_details.cache_write'], ''),
        '')) AS cache_write
SELECT
    cityHash64(TraceId) AS TraceHash,
    TraceId,
    ServiceName,
    toDate(Timestamp) AS Day,
    coalesce(nullIf(SpanAttributes['gen_ai.provider.name'], ''), SpanAttributes['gen_ai.system']) AS Provider,
    model AS Model,
    count() AS Calls,
    sumIf(InputTokens, reported IS NULL) AS InputTokens,
    sumIf(cache_read, reported IS NULL) AS CacheReadTokens,
    sumIf(cache_write, reported IS NULL) AS CacheWriteTokens,
    sumIf(OutputTokens, reported IS NULL) AS OutputTokens,
    countIf(reported IS NOT NULL) AS ReportedCalls,
    sum(coalesce(reported, 0)) AS ReportedCost
FROM otel_traces
WHERE TraceId != '' AND (model != '' OR reported IS NOT NULL)
GROUP BY TraceHash, TraceId, ServiceName, Day, Provider, Model;

CREATE TABLE IF NOT EXISTS verdict_price_keys (
    Provider LowCardinality(String),
    Model LowCardinality(String),
    Day Date
) ENGINE = ReplacingMergeTree
ORDER BY (Provider, Model, Day)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_price_keys_mv TO verdict_price_keys
AS SELECT DISTINCT Provider, Model, Day FROM verdict_usage WHERE Model != '';

-- One price per (provider, model, day), in USD per token; Priced = 0 records that nothing priced
-- it (counted and named in answers' warnings). PriceSource says what priced it
-- (`genai-prices@<version>` or `prices-file:<name>`), so that an answer can be reproduced.
CREATE TABLE IF NOT EXISTS verdict_prices (
    Provider LowCardinality(String),
    Model LowCardinality(String),
    Day Date,
    Priced UInt8,
    InputPrice Float64,
    CacheReadPrice Float64,
    CacheWritePrice Float64,
    OutputPrice Float64,
    PriceSource LowCardinality(String),
    PricedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(PricedAt)
ORDER BY (Provider, Model, Day);

ALTER TABLE verdict_traces
    ADD COLUMN IF NOT EXISTS Cost Float64 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS LlmCalls UInt32 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS UnpricedCalls UInt32 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS UnpricedModels Array(String) DEFAULT [],
    ADD COLUMN IF NOT EXISTS PriceSources Array(String) DEFAULT [];

DROP VIEW IF EXISTS verdict_traces_live;

CREATE VIEW IF NOT EXISTS verdict_traces_live AS
SELECT * EXCEPT (Sign)
FROM verdict_traces
WHERE Sign = 1 AND (TraceHash, SummaryHash) NOT IN (SELECT TraceHash, SummaryHash FROM verdict_traces WHERE Sign = -1);

DROP VIEW IF EXISTS verdict_rollup_1h_mv;

DROP VIEW IF EXISTS verdict_rollup_1m_mv;

ALTER TABLE verdict_rollup_1m
    ADD COLUMN IF NOT EXISTS CostNanoUsd SimpleAggregateFunction(sum, Int64) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS LlmCalls SimpleAggregateFunction(sum, Int64) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS UnpricedCalls SimpleAggregateFunction(sum, Int64) DEFAULT 0;

ALTER TABLE verdict_rollup_1h
    ADD COLUMN IF NOT EXISTS CostNanoUsd SimpleAggregateFunction(sum, Int64) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS LlmCalls SimpleAggregateFunction(sum, Int64) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS UnpricedCalls SimpleAggregateFunction(sum, Int64) DEFAULT 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_rollup_1m_mv TO verdict_rollup_1m
AS SELECT
    ServiceName, Environment, AppVersion, GitCommit, RequestName, Model,
    toStartOfMinute(Start) AS Minute,
    sum(Sign) AS Traces,
    sum(Sign * Requests) AS Requests,
    sum(Sign * Errors) AS Errors,
    sum(Sign * Spans) AS Spans,
    sum(Sign * SpanErrors) AS SpanErrors,
    sum(Sign * toInt64(InputTokens)) AS InputTokens,
    sum(Sign * toInt64(OutputTokens)) AS OutputTokens,
    sum(Sign * toInt64(arraySum(RequestDurations))) AS RequestDurationNs,
    sumMap(arrayMap(d -> toUInt16(floor(log(greatest(d, 1000) / 1000) / log(1.01))), RequestDurations), arrayMap(d -> toInt64(Sign), RequestDurations)) AS Latency,
    min(if(Sign > 0, Start, toDateTime64('2262-01-01 00:00:00', 9))) AS FirstSeen,
    max(if(Sign > 0, Start, toDateTime64(0, 9))) AS LastSeen,
    sum(Sign * toInt64(round(Cost * 1e9))) AS CostNanoUsd,
    sum(Sign * toInt64(LlmCalls)) AS LlmCalls,
    sum(Sign * toInt64(UnpricedCalls)) AS UnpricedCalls
FROM verdict_traces
GROUP BY ServiceName, Environment, AppVersion, GitCommit, RequestName, Model, Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_rollup_1h_mv TO verdict_rollup_1h
AS SELECT
    ServiceName, Environment, AppVersion, GitCommit, RequestName, Model,
    toStartOfHour(Minute) AS Hour,
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
FROM verdict_rollup_1m
GROUP BY ServiceName, Environment, AppVersion, GitCommit, RequestName, Model, Hour;

-- 020's summary, with each trace's cost: its usage priced by verdict_prices (filled by the settle
-- step before it reads this). A span with the app's own cost keeps it; tokens of a model without
-- a price count as unpriced calls, never as $0.
DROP VIEW IF EXISTS verdict_trace_summaries;

CREATE VIEW IF NOT EXISTS verdict_trace_summaries AS
SELECT
    ServiceName, Environment, AppVersion, GitCommit, SessionId, UserId, RequestName, Model, TraceHash, TraceId, Start,
    Requests, Errors, RequestDuration, RequestStatus, RequestStatusMessage, RequestDurations, Spans, SpanErrors,
    InputTokens, OutputTokens, LastArrival,
    cityHash64(Environment, AppVersion, GitCommit, SessionId, UserId, RequestName, Model, Start, Requests, Errors,
        RequestDuration, RequestStatus, RequestStatusMessage, RequestDurations, Spans, SpanErrors, InputTokens, OutputTokens,
        Cost, LlmCalls, UnpricedCalls, UnpricedModels, PriceSources) AS SummaryHash,
    cost.cost AS Cost,
    toUInt32(cost.calls) AS LlmCalls,
    toUInt32(cost.unpriced) AS UnpricedCalls,
    cost.unpriced_models AS UnpricedModels,
    cost.sources AS PriceSources
FROM (
    SELECT
        ServiceName,
        if(environment != '', environment, trace.environment) AS Environment,
        version AS AppVersion,
        commit AS GitCommit,
        if(session != '', session, trace.session) AS SessionId,
        if(user != '', user, trace.user) AS UserId,
        if(HasRequest = 1, request.1, '') AS RequestName,
        model AS Model,
        TraceHash,
        TraceId,
        if(HasRequest = 1, RequestStart, FirstStart) AS Start,
        Requests,
        Errors,
        if(HasRequest = 1, request.2, 0) AS RequestDuration,
        if(HasRequest = 1, request.3, '') AS RequestStatus,
        if(HasRequest = 1, request.4, '') AS RequestStatusMessage,
        RequestDurations,
        Spans,
        SpanErrors,
        InputTokens,
        OutputTokens,
        LastArrival
    FROM (
        SELECT
            TraceHash, TraceId, ServiceName,
            argMinMerge(AppVersion) AS version,
            argMinMerge(Environment) AS environment,
            argMinMerge(SessionId) AS session,
            argMinMerge(UserId) AS user,
            argMinMerge(GitCommit) AS commit,
            argMinMerge(Request) AS request,
            argMinMerge(Model) AS model,
            max(HasRequest) AS HasRequest,
            min(Start) AS FirstStart,
            min(RequestStart) AS RequestStart,
            sum(Spans) AS Spans,
            sum(SpanErrors) AS SpanErrors,
            sum(Requests) AS Requests,
            sum(Errors) AS Errors,
            sum(InputTokens) AS InputTokens,
            sum(OutputTokens) AS OutputTokens,
            arraySort(groupArrayArray(RequestDurations)) AS RequestDurations,
            max(LastArrival) AS LastArrival
        FROM verdict_trace_parts
        WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)})
        GROUP BY TraceHash, TraceId, ServiceName
    ) AS service
    LEFT JOIN (
        SELECT TraceId, argMinMerge(Environment) AS environment, argMinMerge(SessionId) AS session, argMinMerge(UserId) AS user
        FROM verdict_trace_parts
        WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)})
        GROUP BY TraceId
    ) AS trace USING (TraceId)
) AS base
LEFT JOIN (
    SELECT
        TraceId, ServiceName,
        sum(u.reported + if(p.Priced = 1,
            toFloat64(greatest(toInt64(u.input) - toInt64(u.cache_read) - toInt64(u.cache_write), 0)) * p.InputPrice
                + u.cache_read * p.CacheReadPrice + u.cache_write * p.CacheWritePrice + u.output * p.OutputPrice,
            0)) AS cost,
        sum(u.calls) AS calls,
        sumIf(u.calls - u.reported_calls, p.Priced = 0) AS unpriced,
        arraySort(groupUniqArrayIf(if(u.Provider = '', u.Model, concat(u.Provider, '/', u.Model)), p.Priced = 0 AND u.calls > u.reported_calls)) AS unpriced_models,
        arraySort(groupUniqArrayIf(p.PriceSource, p.Priced = 1 AND u.calls > u.reported_calls)) AS sources
    FROM (
        SELECT TraceId, ServiceName, Day, Provider, Model, sum(Calls) AS calls, sum(InputTokens) AS input, sum(CacheReadTokens) AS cache_read,
            sum(CacheWriteTokens) AS cache_write, sum(OutputTokens) AS output, sum(ReportedCalls) AS reported_calls, sum(ReportedCost) AS reported
        FROM verdict_usage
        WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)})
        GROUP BY TraceId, ServiceName, Day, Provider, Model
    ) AS u
    LEFT JOIN (
        SELECT Provider, Model, Day, price.1 AS Priced, price.2 AS InputPrice, price.3 AS CacheReadPrice, price.4 AS CacheWritePrice,
            price.5 AS OutputPrice, price.6 AS PriceSource
        FROM (
            SELECT Provider, Model, Day, argMax(tuple(Priced, InputPrice, CacheReadPrice, CacheWritePrice, OutputPrice, PriceSource), PricedAt) AS price
            FROM verdict_prices
            GROUP BY Provider, Model, Day
        )
    ) AS p ON u.Provider = p.Provider AND u.Model = p.Model AND u.Day = p.Day
    GROUP BY TraceId, ServiceName
) AS cost USING (TraceId, ServiceName);

-- Spans stored before this migration: their usage, then a neutral part (no spans, no facts, a
-- fresh arrival) for every trace that has any, so that the next settle re-settles those traces
-- with their cost (and moves it into the rollups exactly, like any re-settled trace).
INSERT INTO verdict_usage
WITH
    coalesce(nullIf(SpanAttributes['gen_ai.response.model'], ''), SpanAttributes['gen_ai.request.model']) AS model,
    toFloat64OrNull(coalesce(
        nullIf(SpanAttributes['gen_ai.usage.cost'], ''),
        nullIf(SpanAttributes['llm.cost.total'], ''),
        nullIf(JSONExtractRaw(SpanAttributes['mlflow.llm.cost'], 'total_cost'), ''),
        nullIf(JSONExtractRaw(SpanAttributes['langfuse.observation.cost_details'], 'total'), ''),
        '')) AS reported,
    toUInt64OrZero(coalesce(
        nullIf(SpanAttributes['gen_ai.usage.cache_read.input_tokens'], ''),
        nullIf(SpanAttributes['gen_ai.usage.cache_read_input_tokens'], ''),
        nullIf(SpanAttributes['llm.token_count.prompt_details.cache_read'], ''),
        '')) AS cache_read,
    toUInt64OrZero(coalesce(
        nullIf(SpanAttributes['gen_ai.usage.cache_creation.input_tokens'], ''),
        nullIf(SpanAttributes['gen_ai.usage.cache_creation_input_tokens'], ''),
        nullIf(SpanAttributes['llm.token_count.prompt_details.cache_write'], ''),
        '')) AS cache_write
SELECT
    cityHash64(TraceId) AS TraceHash,
    TraceId,
    ServiceName,
    toDate(Timestamp) AS Day,
    coalesce(nullIf(SpanAttributes['gen_ai.provider.name'], ''), SpanAttributes['gen_ai.system']) AS Provider,
    model AS Model,
    count() AS Calls,
    sumIf(InputTokens, reported IS NULL) AS InputTokens,
    sumIf(cache_read, reported IS NULL) AS CacheReadTokens,
    sumIf(cache_write, reported IS NULL) AS CacheWriteTokens,
    sumIf(OutputTokens, reported IS NULL) AS OutputTokens,
    countIf(reported IS NOT NULL) AS ReportedCalls,
    sum(coalesce(reported, 0)) AS ReportedCost
FROM otel_traces
WHERE TraceId != '' AND (model != '' OR reported IS NOT NULL) AND (SELECT count() FROM verdict_usage) = 0
GROUP BY TraceHash, TraceId, ServiceName, Day, Provider, Model
SETTINGS max_partitions_per_insert_block = 0;

INSERT INTO verdict_trace_parts
SELECT
    toStartOfMinute(min(Timestamp)) AS Minute,
    cityHash64(TraceId) AS TraceHash,
    TraceId,
    ServiceName,
    argMinStateIf(AppVersion, toUInt64(0), 0) AS AppVersion,
    argMinStateIf(Environment, toUInt64(0), 0) AS Environment,
    argMinStateIf(SessionId, toUInt64(0), 0) AS SessionId,
    argMinStateIf(UserId, toUInt64(0), 0) AS UserId,
    argMinStateIf(GitCommit, toUInt64(0), 0) AS GitCommit,
    argMinStateIf(tuple(toString(SpanName), Duration, toString(StatusCode), StatusMessage), toUInt64(0), 0) AS Request,
    argMinStateIf(toString(SpanName), toUInt64(0), 0) AS Model,
    0 AS HasRequest,
    min(Timestamp) AS Start,
    toDateTime64('2262-01-01 00:00:00', 9) AS RequestStart,
    0 AS Spans,
    0 AS SpanErrors,
    0 AS Requests,
    0 AS Errors,
    0 AS InputTokens,
    0 AS OutputTokens,
    [] AS RequestDurations,
    now64(3) AS LastArrival
FROM otel_traces
WHERE (TraceId, ServiceName) IN (SELECT TraceId, ServiceName FROM verdict_usage)
GROUP BY TraceId, ServiceName
SETTINGS max_partitions_per_insert_block = 0
