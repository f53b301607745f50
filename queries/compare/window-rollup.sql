-- compare on version cohorts with time alignment: the minutes in which both versions served
-- requests, from the minute rollup (the same minutes window.sql finds in the settled traces). The
-- minutes themselves (epoch seconds) are passed on to every later read as a parameter
-- (aligned-minutes-param.sql), which is cheaper than each read deriving them again.
SELECT
    sum(b) AS baseline_requests,
    sum(c) AS candidate_requests,
    countIf(b > 0 AND c > 0) AS shared_minutes,
    toUnixTimestamp(minIf(Minute, b > 0 AND c > 0)) * 1000 AS first_ms,
    toUnixTimestamp(maxIf(Minute, b > 0 AND c > 0)) * 1000 AS last_ms,
    arraySort(groupArrayIf(toUnixTimestamp(Minute), b > 0 AND c > 0)) AS minutes
FROM (
    SELECT Minute, sumIf(Requests, AppVersion = {b_version:String}) AS b, sumIf(Requests, AppVersion = {c_version:String}) AS c
    FROM {{rollup}}
    WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
    GROUP BY Minute
)
