-- search: requests matching a filter, newest first, one per trace, paged by a keyset cursor
-- (the last row's start and trace id) so that pages stay stable while spans keep arriving.
SELECT
    TraceId AS trace_id,
    toString(toUnixTimestamp64Nano(Timestamp)) AS start_ns,
    ServiceName AS service,
    SpanName AS name,
    Duration / 1e6 AS duration_ms,
    StatusCode AS status,
    StatusMessage AS status_message,
    AppVersion AS version,
    Environment AS environment,
    SessionId AS session_id,
    UserId AS user_id
FROM otel_traces
WHERE IsRequest = 1 AND {{scope}} AND {{request}}
    AND (Timestamp, TraceId) < (fromUnixTimestamp64Nano({cursor_ns:Int64}), {cursor_trace:String})
ORDER BY Timestamp DESC, TraceId DESC
LIMIT 1 BY TraceId
LIMIT {limit:UInt32}
