-- compare's quality inputs: per feedback name, each side's live assessments (the latest per trace,
-- name and source, as verdict_assessments_live defines it) of the side's settled traces. An assessment that
-- arrived before its trace joins here, by trace id, once the trace is settled. Moments for numeric
-- and boolean values (true = 1), label counts for categorical ones, and the traces covered. Each
-- settled row (a trace's service) with requests counts its trace's feedback once, as requests are
-- counted per row: the feedback rollup (quality-rollup.sql) keeps the same sums. Per group
-- ({{group_key}}, {{group_join}}: '' for the whole comparison; compare --by's key).
-- The sides' traces are selected once, as the join's right-hand side: the assessments are joined to
-- them before verdict_assessments_live's rule (the latest per trace, name and source) is applied, so
-- that rule is computed only for the sides' traces without selecting them a second time (for a
-- filter side, a second scan of raw spans per side).
SELECT
    group_key,
    Name AS name,
    groupUniqArray(latest.1) AS value_types,
    countIf(b AND latest.2 IS NOT NULL) AS b_n,
    sumIf(latest.2, b AND latest.2 IS NOT NULL) AS b_sum,
    sumIf(latest.2 * latest.2, b AND latest.2 IS NOT NULL) AS b_sum_sq,
    sumMapIf([latest.3], [toUInt64(1)], b AND latest.1 = 'string') AS b_labels,
    uniqExactIf((TraceId, ServiceName), b) AS b_traces,
    countIf(c AND latest.2 IS NOT NULL) AS c_n,
    sumIf(latest.2, c AND latest.2 IS NOT NULL) AS c_sum,
    sumIf(latest.2 * latest.2, c AND latest.2 IS NOT NULL) AS c_sum_sq,
    sumMapIf([latest.3], [toUInt64(1)], c AND latest.1 = 'string') AS c_labels,
    uniqExactIf((TraceId, ServiceName), c) AS c_traces
FROM (
    SELECT t.TraceId AS TraceId, t.ServiceName AS ServiceName, t.group_key AS group_key, t.b AS b, t.c AS c, a.Name AS Name,
        argMax(tuple(a.ValueType, a.Score, a.Label, a.Error), (a.Timestamp, a.Arrival)) AS latest
    FROM verdict_assessments AS a
    INNER JOIN (
        WITH
            ({{baseline}}) AS in_baseline,
            ({{candidate}}) AS in_candidate
        SELECT TraceId, ServiceName, {{group_key}} AS group_key, in_baseline AS b, in_candidate AS c
        FROM verdict_traces_live
        {{group_join}}
        WHERE {{scope}} AND (in_baseline OR in_candidate) AND Requests > 0
    ) AS t ON a.TraceId = t.TraceId
    WHERE a.Kind = 'feedback'
    GROUP BY t.TraceId, t.ServiceName, t.group_key, t.b, t.c, a.Name, a.SourceType, a.SourceId
)
WHERE latest.4 = '' AND latest.1 IN ('number', 'boolean', 'string')
GROUP BY group_key, name
ORDER BY group_key, name
