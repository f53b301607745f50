-- compare's quality inputs: per feedback name, each side's live assessments (the latest per trace,
-- name and source, as verdict_assessments_live defines it) of the side's settled traces. An assessment that
-- arrived before its trace joins here, by trace id, once the trace is settled. Moments for numeric
-- and boolean values (true = 1), label counts for categorical ones, and the traces covered. Each
-- settled row (a trace's service) with requests counts its trace's feedback once, as requests are
-- counted per row: the feedback rollup (quality-rollup.sql) keeps the same sums. Per group
-- ({{group_key}}, {{group_join}}: '' for the whole comparison; compare --by's key).
SELECT
    t.group_key AS group_key,
    a.Name AS name,
    groupUniqArray(a.ValueType) AS value_types,
    countIf(t.b AND a.Score IS NOT NULL) AS b_n,
    sumIf(a.Score, t.b AND a.Score IS NOT NULL) AS b_sum,
    sumIf(a.Score * a.Score, t.b AND a.Score IS NOT NULL) AS b_sum_sq,
    sumMapIf([a.Label], [toUInt64(1)], t.b AND a.ValueType = 'string') AS b_labels,
    uniqExactIf((t.TraceId, t.ServiceName), t.b) AS b_traces,
    countIf(t.c AND a.Score IS NOT NULL) AS c_n,
    sumIf(a.Score, t.c AND a.Score IS NOT NULL) AS c_sum,
    sumIf(a.Score * a.Score, t.c AND a.Score IS NOT NULL) AS c_sum_sq,
    sumMapIf([a.Label], [toUInt64(1)], t.c AND a.ValueType = 'string') AS c_labels,
    uniqExactIf((t.TraceId, t.ServiceName), t.c) AS c_traces
FROM (
    WITH
        ({{baseline}}) AS in_baseline,
        ({{candidate}}) AS in_candidate
    SELECT TraceId, ServiceName, {{group_key}} AS group_key, in_baseline AS b, in_candidate AS c
    FROM verdict_traces_live
    {{group_join}}
    WHERE {{scope}} AND (in_baseline OR in_candidate) AND Requests > 0
) AS t
INNER JOIN (
    -- verdict_assessments_live's rule (the latest per trace, name and source), computed here only
    -- for the sides' traces: grouping every assessment stored is what would cost.
    SELECT TraceId, Name, latest.1 AS ValueType, latest.2 AS Score, latest.3 AS Label
    FROM (
        SELECT TraceId, Name, argMax(tuple(ValueType, Score, Label, Error), (Timestamp, Arrival)) AS latest
        FROM verdict_assessments
        WHERE Kind = 'feedback' AND TraceId IN (
            WITH ({{baseline}}) AS in_baseline, ({{candidate}}) AS in_candidate
            SELECT TraceId FROM verdict_traces_live WHERE {{scope}} AND (in_baseline OR in_candidate) AND Requests > 0)
        GROUP BY TraceId, Name, SourceType, SourceId
    )
    WHERE latest.4 = '' AND latest.1 IN ('number', 'boolean', 'string')
) AS a ON a.TraceId = t.TraceId
GROUP BY group_key, name
ORDER BY group_key, name
