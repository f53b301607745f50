-- compare's cost inputs, per side from its settled traces: requests and traces (the quality
-- metrics' coverage denominators), total cost, the cluster sums of a per-request mean (cost per
-- trace x, requests per trace r), and the LLM calls no price covered, with their models. Cost is
-- summed in integer nanodollars, as the cost rollup keeps it (cost-rollup.sql): both give one answer.
-- Each settled row (a trace's service) with requests counts once, as the rollups count it. Per
-- group ({{group_key}}, {{group_join}}: '' for the whole comparison; compare --by's key).
WITH
    ({{baseline}}) AS b,
    ({{candidate}}) AS c,
    toInt64(round(Cost * 1e9)) AS nano
SELECT
    {{group_key}} AS group_key,
{{cost_sums}}
FROM verdict_traces_live
{{group_join}}
WHERE {{scope}} AND (b OR c)
GROUP BY group_key
