-- deployments, from a rollup table: each version's traffic per bucket in each service and
-- environment, with its commits and first/last request; deployments.ts reads the timeline from it.
SELECT
    ServiceName AS service,
    Environment AS environment,
    AppVersion AS version,
    intDiv(toUnixTimestamp({{bucket}}), {bucket_s:UInt32}) * {bucket_s:UInt32} * 1000 AS t_ms,
    sum(Requests) AS requests,
    arraySort(groupUniqArrayIf(GitCommit, GitCommit != '' AND Traces > 0)) AS commits,
    toUnixTimestamp64Milli(min(FirstSeen)) AS first_ms,
    toUnixTimestamp64Milli(max(LastSeen)) AS last_ms
FROM {{rollup}}
WHERE {{scope}}
GROUP BY service, environment, version, t_ms
HAVING sum(Traces) > 0
ORDER BY service, environment, t_ms, version
