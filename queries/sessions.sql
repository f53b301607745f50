-- sessions: the sessions of a scope (and optionally a version), the most recently active first.
-- A turn is a request; a session's duration runs from its first request's start to the end of its
-- last-ending request.
SELECT
    SessionId AS session_id,
    count() AS turns,
    countIf(StatusCode = 'Error') AS errors,
    toUnixTimestamp64Milli(min(Timestamp)) AS first_ms,
    toUnixTimestamp64Milli(max(Timestamp)) AS last_ms,
    (max(toUnixTimestamp64Nano(Timestamp) + Duration) - min(toUnixTimestamp64Nano(Timestamp))) / 1e6 AS duration_ms,
    arraySort(groupUniqArrayIf(UserId, UserId != '')) AS users,
    arraySort(groupUniqArray(AppVersion)) AS versions,
    arraySort(groupUniqArray(ServiceName)) AS services
FROM otel_traces
WHERE IsRequest = 1 AND SessionId != '' AND {{scope}} AND {{request}}
GROUP BY session_id
ORDER BY last_ms DESC, session_id
LIMIT {limit:UInt32}
