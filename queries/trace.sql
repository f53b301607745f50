-- trace, step 2: all spans of one trace with their events and links, read only within the time
-- range step 1 found (as parameters, so the engine prunes partitions before it reads a granule);
-- each span's version, environment and session are its trace's (per service), not its own.
SELECT
    SpanId AS span_id,
    ParentSpanId AS parent_span_id,
    SpanName AS name,
    SpanKind AS kind,
    ServiceName AS service,
    toString(toUnixTimestamp64Nano(Timestamp)) AS start_ns,
    toString(Duration) AS duration_ns,
    StatusCode AS status,
    StatusMessage AS status_message,
    facts.AppVersion AS version,
    facts.Environment AS environment,
    facts.SessionId AS session_id,
    SpanAttributes AS attributes,
    ResourceAttributes AS resource,
    arrayMap(t -> toString(toUnixTimestamp64Nano(t)), `Events.Timestamp`) AS event_ns,
    `Events.Name` AS event_names,
    `Events.Attributes` AS event_attributes,
    `Links.TraceId` AS link_trace_ids,
    `Links.SpanId` AS link_span_ids,
    `Links.Attributes` AS link_attributes
FROM otel_traces
LEFT JOIN (
    SELECT ServiceName, AppVersion, Environment, SessionId FROM verdict_traces_live WHERE TraceId = {trace:String}
) AS facts USING (ServiceName)
WHERE TraceId = {trace:String}
    AND Timestamp >= toDateTime64({start_s:UInt32}, 9)
    AND Timestamp < toDateTime64({end_s:UInt32} + 1, 9)
ORDER BY Timestamp, SpanId
LIMIT {limit:UInt32}
