-- The spans of a batch of traces, for scorers: one row per span with what a scorer reads (names,
-- kinds, status, attributes, events), in this column order (read as compact rows; quality/scorer.ts
-- sorts them). {{batch}} is the batch's trace ids: a parameter array (offline), or online the rows
-- of verdict_scorer_queue between two keys (quality/scorer-queue-range.sql), which the engine reads
-- as a key range instead of parsing thousands of ids out of the statement's text for each use.
-- Read only within the batch's time range, found first in otel_traces_trace_id_ts (small, sorted by
-- TraceId), as queries/trace does for one trace: the engine then prunes days and granules by
-- Timestamp instead of testing every granule's trace ids against the batch.
WITH (SELECT (min(Start), max(End)) FROM otel_traces_trace_id_ts WHERE TraceId IN {{batch}}) AS span_range
SELECT
    TraceId, toUnixTimestamp64Micro(Timestamp), SpanId, ParentSpanId, SpanName, SpanKind, StatusCode, StatusMessage,
    intDiv(Duration, 1000000), ServiceName, SpanAttributes, arrayMap((n, a) -> tuple(n, a), Events.Name, Events.Attributes)
FROM otel_traces
WHERE TraceId IN {{batch}}
    AND Timestamp >= toDateTime64(span_range.1, 9) AND Timestamp < toDateTime64(span_range.2, 9) + toIntervalSecond(1)
