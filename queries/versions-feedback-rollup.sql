-- versions' feedback from the feedback rollup ({{feedback_rollup}}: verdict_feedback_1m/_1h/_1d,
-- migration 065), the same live assessments (latest per trace, name and source) that
-- versions-feedback.sql groups from the settled traces, kept as traces settle and assessments arrive:
-- per service, environment, version and name, boolean and numeric feedback only.
SELECT
    ServiceName AS service,
    Environment AS environment,
    AppVersion AS version,
    Name AS name,
    arrayFilter(t -> t != '', [if(sum(Numbers) > 0, 'number', ''), if(sum(Booleans) > 0, 'boolean', '')]) AS value_types,
    sum(N) AS n,
    sum(ScoreSum) / sum(N) AS mean,
    sum(Traces) AS traces
FROM {{feedback_rollup}}
WHERE {{scope}}
GROUP BY service, environment, version, name
HAVING sum(Numbers) + sum(Booleans) > 0 AND sum(N) > 0
ORDER BY service, environment, version, name
