-- versions' feedback: per service, environment, version and feedback name, the live assessments
-- (the latest per trace, name and source, as compare counts them) of the version's settled traces,
-- for boolean and numeric feedback: how many, their mean (a boolean's rate of true) and the traces
-- they cover. Grouped only over the scope's traces (grouping every assessment stored is what would
-- cost). {{scope}} and {{traces}} select verdict_traces_live rows, as versions-raw.sql does.
SELECT
    t.service AS service,
    t.environment AS environment,
    t.version AS version,
    a.Name AS name,
    groupUniqArray(a.ValueType) AS value_types,
    count() AS n,
    avg(a.Score) AS mean,
    uniqExact(t.TraceId) AS traces
FROM (
    SELECT DISTINCT TraceId, ServiceName AS service, Environment AS environment, AppVersion AS version
    FROM verdict_traces_live
    WHERE {{scope}} AND {{traces}} AND Requests > 0
) AS t
INNER JOIN (
    SELECT TraceId, Name, latest.1 AS ValueType, latest.2 AS Score
    FROM (
        SELECT TraceId, Name, argMax(tuple(ValueType, Score, Error), (Timestamp, Arrival)) AS latest
        FROM verdict_assessments
        WHERE Kind = 'feedback' AND TraceId IN (SELECT TraceId FROM verdict_traces_live WHERE {{scope}} AND {{traces}} AND Requests > 0)
        GROUP BY TraceId, Name, SourceType, SourceId
    )
    WHERE latest.3 = '' AND latest.1 IN ('number', 'boolean') AND latest.2 IS NOT NULL
) AS a ON a.TraceId = t.TraceId
GROUP BY service, environment, version, name
ORDER BY service, environment, version, name
