-- Assessments of traces, in MLflow's sense: feedback (from people, LLM judges and code) and
-- expectations (the right answer). They arrive three ways, all landing here:
--   POST /api/feedback (MLflow's assessment shape or Langfuse's score shape; quality/feedback-*.ts),
--   `gen_ai.evaluation.result` span events (otel_traces ──MV──▶ here), and
--   `gen_ai.evaluation.result` log records, the convention's event form (otel_logs ──MV──▶ here).
-- Every row is kept (history). The live assessment of a (trace, name, kind, source) is its latest
-- by Timestamp (MLflow's override), read through verdict_assessments_live. A row with the same
-- AssessmentId (a client's retry) is the same assessment: it collapses here and never counts twice.
-- An assessment for a trace not yet seen is stored as is, and joins its trace at query time.
CREATE TABLE IF NOT EXISTS verdict_assessments (
    AssessmentId String CODEC(ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    Name LowCardinality(String),
    Kind LowCardinality(String),
    ValueType LowCardinality(String),
    Score Nullable(Float64),
    Label String CODEC(ZSTD(1)),
    Value String CODEC(ZSTD(1)),
    SourceType LowCardinality(String),
    SourceId String CODEC(ZSTD(1)),
    Rationale String CODEC(ZSTD(1)),
    Metadata Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Error String CODEC(ZSTD(1)),
    Origin LowCardinality(String),
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    Arrival DateTime64(3) DEFAULT now64(3),
    INDEX trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1
) ENGINE = ReplacingMergeTree(Arrival)
ORDER BY (Name, TraceId, Kind, SourceType, SourceId, AssessmentId)
SETTINGS non_replicated_deduplication_window = 1000;

-- One row per (trace, name, kind, source): the latest assessment, ties broken by arrival.
CREATE VIEW IF NOT EXISTS verdict_assessments_live AS
SELECT
    TraceId, Name, Kind, SourceType, SourceId,
    latest.1 AS AssessmentId, latest.2 AS SpanId, latest.3 AS ValueType, latest.4 AS Score, latest.5 AS Label,
    latest.6 AS Value, latest.7 AS Rationale, latest.8 AS Error, latest.9 AS Origin, latest.10 AS Timestamp,
    versions AS Versions
FROM (
    SELECT TraceId, Name, Kind, SourceType, SourceId,
        argMax(tuple(AssessmentId, SpanId, ValueType, Score, Label, Value, Rationale, Error, Origin, Timestamp), (Timestamp, Arrival)) AS latest,
        uniqExact(AssessmentId) AS versions
    FROM verdict_assessments
    GROUP BY TraceId, Name, Kind, SourceType, SourceId
);

-- `gen_ai.evaluation.result` span events. The OTel GenAI convention's attributes, plus Verdict's
-- own (verdict.assessment.*, written by verdict/instrumentation's recordFeedback) for what the
-- convention does not carry: the kind, the value's type, the source, a client id.
CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_assessments_span_events_mv TO verdict_assessments
AS WITH
    a['gen_ai.evaluation.name'] AS name,
    toFloat64OrNull(nullIf(a['gen_ai.evaluation.score.value'], '')) AS score,
    a['gen_ai.evaluation.score.label'] AS label,
    coalesce(nullIf(a['verdict.assessment.value_type'], ''), if(score IS NOT NULL, 'number', if(label != '', 'string', 'none'))) AS value_type
SELECT
    coalesce(nullIf(a['verdict.assessment.id'], ''), concat('span-event-', lower(hex(sipHash128(TraceId, SpanId, toUnixTimestamp64Nano(t), name, a))))) AS AssessmentId,
    coalesce(nullIf(a['verdict.assessment.trace_id'], ''), TraceId) AS TraceId,
    if(a['verdict.assessment.trace_id'] != '', a['verdict.assessment.span_id'], SpanId) AS SpanId,
    name AS Name,
    coalesce(nullIf(a['verdict.assessment.kind'], ''), 'feedback') AS Kind,
    value_type AS ValueType,
    score AS Score,
    label AS Label,
    coalesce(nullIf(a['verdict.assessment.value'], ''), if(score IS NOT NULL, toString(score), if(label != '', toJSONString(label), 'null'))) AS Value,
    coalesce(nullIf(a['verdict.assessment.source.type'], ''), 'CODE') AS SourceType,
    coalesce(nullIf(a['verdict.assessment.source.id'], ''), ScopeName) AS SourceId,
    a['gen_ai.evaluation.explanation'] AS Rationale,
    mapFilter((k, v) -> startsWith(k, 'verdict.assessment.metadata.'), a) AS Metadata,
    a['error.type'] AS Error,
    'span_event' AS Origin,
    t AS Timestamp,
    now64(3) AS Arrival
FROM (
    SELECT TraceId, SpanId, ScopeName, Events.Timestamp AS ts, Events.Name AS names, Events.Attributes AS attrs
    FROM otel_traces
    WHERE has(Events.Name, 'gen_ai.evaluation.result')
)
ARRAY JOIN ts AS t, names AS n, attrs AS a
WHERE n = 'gen_ai.evaluation.result' AND name != '';

-- The same event as an OTLP log record (its name in EventName, or the older event.name attribute).
CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_assessments_logs_mv TO verdict_assessments
AS WITH
    LogAttributes AS a,
    a['gen_ai.evaluation.name'] AS name,
    toFloat64OrNull(nullIf(a['gen_ai.evaluation.score.value'], '')) AS score,
    a['gen_ai.evaluation.score.label'] AS label,
    coalesce(nullIf(a['verdict.assessment.value_type'], ''), if(score IS NOT NULL, 'number', if(label != '', 'string', 'none'))) AS value_type
SELECT
    coalesce(nullIf(a['verdict.assessment.id'], ''), concat('log-', lower(hex(sipHash128(TraceId, SpanId, toUnixTimestamp64Nano(Timestamp), name, a))))) AS AssessmentId,
    coalesce(nullIf(a['verdict.assessment.trace_id'], ''), TraceId) AS TraceId,
    if(a['verdict.assessment.trace_id'] != '', a['verdict.assessment.span_id'], SpanId) AS SpanId,
    name AS Name,
    coalesce(nullIf(a['verdict.assessment.kind'], ''), 'feedback') AS Kind,
    value_type AS ValueType,
    score AS Score,
    label AS Label,
    coalesce(nullIf(a['verdict.assessment.value'], ''), if(score IS NOT NULL, toString(score), if(label != '', toJSONString(label), 'null'))) AS Value,
    coalesce(nullIf(a['verdict.assessment.source.type'], ''), 'CODE') AS SourceType,
    coalesce(nullIf(a['verdict.assessment.source.id'], ''), ScopeName) AS SourceId,
    a['gen_ai.evaluation.explanation'] AS Rationale,
    mapFilter((k, v) -> startsWith(k, 'verdict.assessment.metadata.'), a) AS Metadata,
    a['error.type'] AS Error,
    'log' AS Origin,
    Timestamp,
    now64(3) AS Arrival
FROM otel_logs
WHERE (EventName = 'gen_ai.evaluation.result' OR LogAttributes['event.name'] = 'gen_ai.evaluation.result') AND name != ''
