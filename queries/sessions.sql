-- sessions: the sessions of a scope (and optionally a version), the most recently active first,
-- from the settled traces (a session is a trace fact). A turn is a trace; a session's duration runs
-- from its first request's start to the end of its last-ending request.
SELECT
    SessionId AS session_id,
    uniqExact(TraceId) AS turns,
    sum(Errors) AS errors,
    toUnixTimestamp64Milli(min(Start)) AS first_ms,
    toUnixTimestamp64Milli(max(Start)) AS last_ms,
    (max(toUnixTimestamp64Nano(Start) + RequestDuration) - min(toUnixTimestamp64Nano(Start))) / 1e6 AS duration_ms,
    arraySort(groupUniqArrayIf(UserId, UserId != '')) AS users,
    arraySort(groupUniqArray(AppVersion)) AS versions,
    arraySort(groupUniqArray(ServiceName)) AS services,
    sum(toInt64(round(Cost * 1e9))) / 1e9 AS cost_usd
FROM verdict_traces_live
WHERE Requests > 0 AND SessionId != '' AND {{scope}} AND {{traces}}
GROUP BY session_id
ORDER BY last_ms DESC, session_id
LIMIT {limit:UInt32}
