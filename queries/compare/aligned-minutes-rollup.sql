-- compare --align on version cohorts, added to the minute rollup's scope: only the minutes in
-- which both versions served requests (aligned-minutes.sql over the settled traces).
Minute IN (
    SELECT Minute
    FROM verdict_rollup_1m
    WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
    GROUP BY Minute
    HAVING sumIf(Requests, AppVersion = {b_version:String}) > 0 AND sumIf(Requests, AppVersion = {c_version:String}) > 0
)
