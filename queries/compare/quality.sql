-- compare's quality inputs: per feedback name, each side's live assessments (the latest per trace,
-- name and source: verdict_assessments_live) of the side's settled traces. An assessment that
-- arrived before its trace joins here, by trace id, once the trace is settled. Moments for numeric
-- and boolean values (true = 1), label counts for categorical ones, and the traces covered.
SELECT
    a.Name AS name,
    groupUniqArray(a.ValueType) AS value_types,
    countIf(t.b AND a.Score IS NOT NULL) AS b_n,
    sumIf(a.Score, t.b AND a.Score IS NOT NULL) AS b_sum,
    sumIf(a.Score * a.Score, t.b AND a.Score IS NOT NULL) AS b_sum_sq,
    sumMapIf([a.Label], [toUInt64(1)], t.b AND a.ValueType = 'string') AS b_labels,
    uniqExactIf(t.TraceId, t.b) AS b_traces,
    countIf(t.c AND a.Score IS NOT NULL) AS c_n,
    sumIf(a.Score, t.c AND a.Score IS NOT NULL) AS c_sum,
    sumIf(a.Score * a.Score, t.c AND a.Score IS NOT NULL) AS c_sum_sq,
    sumMapIf([a.Label], [toUInt64(1)], t.c AND a.ValueType = 'string') AS c_labels,
    uniqExactIf(t.TraceId, t.c) AS c_traces
FROM (
    WITH
        ({{baseline}}) AS in_baseline,
        ({{candidate}}) AS in_candidate
    SELECT TraceId, max(in_baseline) AS b, max(in_candidate) AS c
    FROM verdict_traces_live
    WHERE {{scope}} AND (in_baseline OR in_candidate) AND Requests > 0
    GROUP BY TraceId
) AS t
INNER JOIN (
    SELECT TraceId, Name, ValueType, Score, Label
    FROM verdict_assessments_live
    WHERE Kind = 'feedback' AND Error = '' AND ValueType IN ('number', 'boolean', 'string')
) AS a ON a.TraceId = t.TraceId
GROUP BY name
ORDER BY name
