-- compare broken down by a key: the Mann–Whitney U p-value of each listed group (every listed
-- group has requests on both sides, as the test requires).
SELECT
    group_key,
    mannWhitneyUTest('two-sided')(Duration, toUInt8(side = 'candidate')).2 AS latency_p_value
FROM (
    WITH
        ({{baseline_request}}) AS in_baseline,
        ({{candidate_request}}) AS in_candidate
    SELECT {{group_key}} AS group_key, Duration, in_baseline, in_candidate
    FROM otel_traces
    {{group_join}}
    WHERE IsRequest = 1 AND {{scope}} AND (in_baseline OR in_candidate)
)
ARRAY JOIN arrayFilter(s -> s != '', [if(in_baseline, 'baseline', ''), if(in_candidate, 'candidate', '')]) AS side
WHERE group_key IN {keys:Array(String)}
GROUP BY group_key
