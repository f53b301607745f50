-- Assessments into verdict_assessments, the JSON lines (quality/assessment.ts's AssessmentRow) sent
-- right after this statement, on the embedded engine and a ClickHouse server alike. Settings travel
-- in the statement, not with the request: the embedded engine keeps a request's settings for its
-- session (a token would then drop the next, different batch), and the server test double takes none.
-- The same non-empty token makes a replayed batch a no-op; '' is the engine's default (the block's hash).
INSERT INTO verdict_assessments (AssessmentId, TraceId, SpanId, Name, Kind, ValueType, Score, Label, Value, SourceType, SourceId,
    Rationale, Metadata, Error, Origin, Timestamp)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}
FORMAT JSONEachRow
