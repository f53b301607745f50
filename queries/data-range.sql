-- The first and last request in a scope, from a rollup: fills open-ended ranges so that series
-- buckets fit the data that exists.
SELECT
    toUnixTimestamp64Milli(min(FirstSeen)) AS first_ms,
    toUnixTimestamp64Milli(max(LastSeen)) AS last_ms
FROM {{rollup}}
WHERE {{scope}}
