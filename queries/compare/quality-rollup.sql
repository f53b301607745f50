-- compare's quality inputs on version cohorts, from the feedback rollup (verdict_feedback_1m/_1h/_1d,
-- schema/migrations/065): the same per-name sums as quality.sql reads from the settled traces and
-- their live assessments, kept up to date as traces settle and assessments arrive. Per group
-- ({{group_key}}: '' for the whole comparison, RequestName or Model for compare --by), grouped by
-- {{grouping}}: per group and name, or also per name over the whole at once (grouping sets;
-- `whole` tells the whole's rows from a group's).
SELECT
    {{group_key}} AS group_key,
    {{whole}} AS whole,
    Name AS name,
    arrayFilter(t -> t != '', [if(sum(Numbers) > 0, 'number', ''), if(sum(Booleans) > 0, 'boolean', ''), if(sum(Strings) > 0, 'string', '')]) AS value_types,
    sumIf(N, AppVersion = {b_version:String}) AS b_n,
    sumIf(ScoreSum, AppVersion = {b_version:String}) AS b_sum,
    sumIf(ScoreSumSq, AppVersion = {b_version:String}) AS b_sum_sq,
    sumMapIf(Labels, AppVersion = {b_version:String}) AS b_labels,
    sumIf(Traces, AppVersion = {b_version:String}) AS b_traces,
    sumIf(N, AppVersion = {c_version:String}) AS c_n,
    sumIf(ScoreSum, AppVersion = {c_version:String}) AS c_sum,
    sumIf(ScoreSumSq, AppVersion = {c_version:String}) AS c_sum_sq,
    sumMapIf(Labels, AppVersion = {c_version:String}) AS c_labels,
    sumIf(Traces, AppVersion = {c_version:String}) AS c_traces
FROM {{feedback_rollup}}
WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
GROUP BY {{grouping}}
HAVING sum(Traces) > 0
ORDER BY group_key, name
