-- compare's gate: which of the two versions served any request in the service and environment at
-- any time (hourly rollup, no time bound), so that an empty side can be told apart as an unknown
-- version or as a version with no traffic in the window.
SELECT groupUniqArray(AppVersion) AS seen
FROM (
    SELECT AppVersion
    FROM verdict_rollup_1h
    WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
    GROUP BY AppVersion
    HAVING sum(Requests) > 0
)
