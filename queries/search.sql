-- search: requests matching a filter, newest first, one per trace, paged by a keyset cursor
-- (the last row's start and trace id) so that pages stay stable while spans keep arriving.
SELECT
    TraceId AS trace_id,
    toString(toUnixTimestamp64Nano(Start)) AS start_ns,
    ServiceName AS service,
    RequestName AS name,
    RequestDuration / 1e6 AS duration_ms,
    RequestStatus AS status,
    RequestStatusMessage AS status_message,
    AppVersion AS version,
    Environment AS environment,
    SessionId AS session_id,
    UserId AS user_id
FROM verdict_traces_live
WHERE Requests > 0 AND {{scope}} AND {{traces}}
    AND (Start, TraceId) < (fromUnixTimestamp64Nano({cursor_ns:Int64}), {cursor_trace:String})
ORDER BY Start DESC, TraceId DESC
LIMIT 1 BY TraceId
LIMIT {limit:UInt32}
