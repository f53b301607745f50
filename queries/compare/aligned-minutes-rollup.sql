-- compare --align on version cohorts: the minutes in which both versions served requests, from the
-- minute rollup (the same minutes aligned-minutes.sql finds in the settled traces, at a cost that
-- follows the window's minutes, not its traces). {{scope}} is the rollup's scope; the callers put
-- `Minute IN (…)` around it for the rollup reads and `toStartOfMinute(Start) IN (…)` for the sample
-- of settled traces.
SELECT Minute
FROM verdict_rollup_1m
WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
GROUP BY Minute
HAVING sumIf(Requests, AppVersion = {b_version:String}) > 0 AND sumIf(Requests, AppVersion = {c_version:String}) > 0
