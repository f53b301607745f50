-- compare on version cohorts with time alignment: each version's first and last minute with
-- requests, from a rollup table (the same minutes compare-window.sql finds in raw spans).
SELECT
    sumIf(Requests, AppVersion = {b_version:String}) AS baseline_requests,
    sumIf(Requests, AppVersion = {c_version:String}) AS candidate_requests,
    toUnixTimestamp(toStartOfMinute(minIf(FirstSeen, AppVersion = {b_version:String} AND Requests > 0))) * 1000 AS baseline_first_ms,
    toUnixTimestamp(toStartOfMinute(maxIf(LastSeen, AppVersion = {b_version:String} AND Requests > 0))) * 1000 AS baseline_last_ms,
    toUnixTimestamp(toStartOfMinute(minIf(FirstSeen, AppVersion = {c_version:String} AND Requests > 0))) * 1000 AS candidate_first_ms,
    toUnixTimestamp(toStartOfMinute(maxIf(LastSeen, AppVersion = {c_version:String} AND Requests > 0))) * 1000 AS candidate_last_ms
FROM {{rollup}}
WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
