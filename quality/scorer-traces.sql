-- The spans of a batch of traces, for scorers: one row per span with what a scorer reads (names,
-- kinds, status, attributes, events). Read only within the batch's time range, found first in
-- otel_traces_trace_id_ts (small, sorted by TraceId), as queries/trace does for one trace: the
-- engine then prunes days and granules by Timestamp instead of testing every granule's trace ids.
WITH
    (SELECT min(Start) FROM otel_traces_trace_id_ts WHERE TraceId IN {traces:Array(String)}) AS first_start,
    (SELECT max(End) FROM otel_traces_trace_id_ts WHERE TraceId IN {traces:Array(String)}) AS last_start
SELECT
    TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentSpanId, SpanName AS name, SpanKind AS kind,
    StatusCode AS status, StatusMessage AS statusMessage, toUnixTimestamp64Milli(Timestamp) AS start_ms, intDiv(Duration, 1000000) AS duration_ms,
    ServiceName AS service, SpanAttributes AS attributes,
    arrayMap((n, a) -> tuple(n, a), Events.Name, Events.Attributes) AS events
FROM otel_traces
WHERE TraceId IN {traces:Array(String)}
    AND Timestamp >= toDateTime64(first_start, 9) AND Timestamp < toDateTime64(last_start, 9) + toIntervalSecond(1)
ORDER BY TraceId, Timestamp
