-- The spans of a batch of traces, for scorers: one row per span with what a scorer reads
-- (names, kinds, status, attributes, events), plus each trace's live expectations.
SELECT
    TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentSpanId, SpanName AS name, SpanKind AS kind,
    StatusCode AS status, StatusMessage AS statusMessage, toUnixTimestamp64Milli(Timestamp) AS start_ms, intDiv(Duration, 1000000) AS duration_ms,
    ServiceName AS service, SpanAttributes AS attributes,
    arrayMap((n, a) -> tuple(n, a), Events.Name, Events.Attributes) AS events
FROM otel_traces
WHERE TraceId IN {traces:Array(String)}
ORDER BY TraceId, Timestamp
