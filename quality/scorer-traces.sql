-- The spans of a batch of traces, for scorers: one row per span with what a scorer reads (names,
-- kinds, status, attributes, events), in this column order (read as compact rows; quality/scorer.ts
-- sorts them). Read only within the batch's time range, found first in otel_traces_trace_id_ts
-- (small, sorted by TraceId), as queries/trace does for one trace: the engine then prunes days and
-- granules by Timestamp instead of testing every granule's trace ids against the batch.
WITH
    (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId IN {traces:Array(String)}) AS first_start,
    (SELECT max(End) FROM otel_traces_trace_id_ts WHERE TraceId IN {traces:Array(String)}) AS last_start
SELECT
    TraceId, toUnixTimestamp64Micro(Timestamp), SpanId, ParentSpanId, SpanName, SpanKind, StatusCode, StatusMessage,
    intDiv(Duration, 1000000), ServiceName, SpanAttributes, arrayMap((n, a) -> tuple(n, a), Events.Name, Events.Attributes)
FROM otel_traces
WHERE TraceId IN {traces:Array(String)}
    AND Timestamp >= toDateTime64(first_start, 9) AND Timestamp < toDateTime64(last_start, 9) + toIntervalSecond(1)
