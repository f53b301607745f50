-- Moves verdict_feedback_traces (and through its views the feedback rollups) to the live feedback
-- of every trace that changed: its parts arrived after {since} (it settled, or was re-attributed),
-- or an assessment of it arrived after {feedback_since}. Only traces with feedback are read.
-- For each (settled trace row with requests, name): the contribution now (the latest assessment
-- per trace, name and source, as verdict_assessments_live; errored and valueless ones left out)
-- against the contribution recorded so far (the sum of its rows). Where they differ: a -1 row
-- repeating the old one and a +1 row with the new one; where they agree, nothing. So running it
-- twice, or over a wider window, changes nothing, and a retried run is dropped by its token.
-- Runs after schema/settle.sql, under the same lock, when any trace changed (store/feedback-settle.ts;
-- {{changed}} is the traces schema/feedback-changed.sql found, as a parameter, or that query itself
-- when they are too many to carry).
INSERT INTO verdict_feedback_traces (TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name,
    Traces, N, ScoreSum, ScoreSumSq, Labels, Numbers, Booleans, Strings, LastArrival)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0
WITH changed AS (
{{changed}}
)
SELECT
    TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name,
    toInt64(s) AS Traces,
    if(s = 1, now.N, -was.N) AS N,
    if(s = 1, now.ScoreSum, -was.ScoreSum) AS ScoreSum,
    if(s = 1, now.ScoreSumSq, -was.ScoreSumSq) AS ScoreSumSq,
    if(s = 1, now.Labels, (was.Labels.1, arrayMap(x -> -x, was.Labels.2))) AS Labels,
    if(s = 1, now.Numbers, -was.Numbers) AS Numbers,
    if(s = 1, now.Booleans, -was.Booleans) AS Booleans,
    if(s = 1, now.Strings, -was.Strings) AS Strings,
    greatest(now.LastArrival, was.LastArrival) AS LastArrival
FROM (
    SELECT
        t.TraceHash AS TraceHash, t.TraceId AS TraceId, t.ServiceName AS ServiceName, t.Environment AS Environment,
        t.AppVersion AS AppVersion, t.RequestName AS RequestName, t.Model AS Model, t.Minute AS Minute, a.Name AS Name,
        toInt64(1) AS Traces, a.N AS N, a.ScoreSum AS ScoreSum, a.ScoreSumSq AS ScoreSumSq, a.Labels AS Labels,
        a.Numbers AS Numbers, a.Booleans AS Booleans, a.Strings AS Strings, a.LastArrival AS LastArrival
    FROM (
        -- The live settled rows (with requests) of the changed traces, with their facts.
        SELECT TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, toStartOfMinute(Start) AS Minute
        FROM verdict_traces
        WHERE Requests > 0 AND TraceId IN changed
        GROUP BY TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute
        HAVING sum(Sign) > 0
    ) AS t
    INNER JOIN (
        SELECT
            TraceId, Name,
            countIf(latest.2 IS NOT NULL) AS N,
            sumIf(assumeNotNull(latest.2), latest.2 IS NOT NULL) AS ScoreSum,
            sumIf(assumeNotNull(latest.2) * assumeNotNull(latest.2), latest.2 IS NOT NULL) AS ScoreSumSq,
            sumMapIf([latest.3], [toInt64(1)], latest.1 = 'string') AS Labels,
            toInt64(countIf(latest.1 = 'number')) AS Numbers,
            toInt64(countIf(latest.1 = 'boolean')) AS Booleans,
            toInt64(countIf(latest.1 = 'string')) AS Strings,
            max(arrival) AS LastArrival
        FROM (
            SELECT TraceId, Name, argMax(tuple(ValueType, Score, Label, Error), (Timestamp, Arrival)) AS latest, max(Arrival) AS arrival
            FROM verdict_assessments
            WHERE Kind = 'feedback' AND TraceId IN changed
            GROUP BY TraceId, Name, SourceType, SourceId
        )
        WHERE latest.4 = '' AND latest.1 IN ('number', 'boolean', 'string')
        GROUP BY TraceId, Name
    ) AS a ON a.TraceId = t.TraceId
) AS now
FULL OUTER JOIN (
    -- What is recorded for them so far: the sum of their rows, per row key still live.
    SELECT
        TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name,
        sum(Traces) AS Traces, sum(N) AS N, sum(ScoreSum) AS ScoreSum, sum(ScoreSumSq) AS ScoreSumSq, sumMap(Labels) AS Labels,
        sum(Numbers) AS Numbers, sum(Booleans) AS Booleans, sum(Strings) AS Strings, max(LastArrival) AS LastArrival
    FROM verdict_feedback_traces
    WHERE TraceHash IN (SELECT cityHash64(TraceId) FROM changed) AND TraceId IN changed
    GROUP BY TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name
    HAVING Traces != 0
) AS was USING (TraceHash, TraceId, ServiceName, Environment, AppVersion, RequestName, Model, Minute, Name)
-- Unchanged: nothing. Gone: -1. New: +1. Changed: -1 (the old), then +1.
ARRAY JOIN if(
    (now.Traces, now.N, now.ScoreSum, now.ScoreSumSq, now.Labels, now.Numbers, now.Booleans, now.Strings)
        = (was.Traces, was.N, was.ScoreSum, was.ScoreSumSq, was.Labels, was.Numbers, was.Booleans, was.Strings),
    [],
    arrayConcat(if(was.Traces != 0, [toInt8(-1)], []), if(now.Traces != 0, [toInt8(1)], []))) AS s
