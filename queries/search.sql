-- search: requests matching a filter, one per trace, in the asked order (newest first by default),
-- paged by a keyset cursor (the last row's sort values) so that pages stay stable while spans keep
-- arriving. {{order}} and {{after}} are generated from the order's keys (queries/search-order.ts).
SELECT
    TraceId AS trace_id,
    toString(toUnixTimestamp64Nano(Start)) AS start_ns,
    ServiceName AS service,
    RequestName AS name,
    RequestDuration / 1e6 AS duration_ms,
    toString(RequestDuration) AS duration_ns,
    RequestStatus AS status,
    RequestStatusMessage AS status_message,
    AppVersion AS version,
    Environment AS environment,
    SessionId AS session_id,
    UserId AS user_id
FROM verdict_traces_live
WHERE Requests > 0 AND {{scope}} AND {{traces}} AND {{after}}
ORDER BY {{order}}
LIMIT 1 BY TraceId
LIMIT {limit:UInt32}
