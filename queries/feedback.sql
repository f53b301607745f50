-- feedback: a trace's assessments, each once (a client's retry of the same id collapses), with
-- whether it is the live one of its (name, kind, source), i.e. the latest (MLflow's override).
SELECT
    AssessmentId AS id, Name AS name, Kind AS kind, SpanId AS spanId, ValueType AS valueType, Value AS value,
    Score AS score, Label AS label, SourceType AS sourceType, SourceId AS sourceId, Rationale AS rationale,
    Error AS error, Origin AS origin, toUnixTimestamp64Milli(Timestamp) AS time_ms,
    (Timestamp, Arrival) = max((Timestamp, Arrival)) OVER (PARTITION BY Name, Kind, SourceType, SourceId) AS live
FROM (
    SELECT *
    FROM verdict_assessments
    WHERE TraceId = {trace:String}
    ORDER BY Arrival DESC
    LIMIT 1 BY AssessmentId
)
ORDER BY name, kind, sourceType, sourceId, time_ms, id
