-- compare with time alignment: the minutes in which both sides served requests (a canary and the
-- version it replaces), counted per minute over the settled traces. Each side's total tells "one
-- side has nothing" apart from "never live in the same minute". The minutes themselves (epoch
-- seconds) are passed on to every later read as a parameter (aligned-minutes-param.sql).
WITH
    ({{baseline}}) AS in_baseline,
    ({{candidate}}) AS in_candidate
SELECT
    sum(b) AS baseline_requests,
    sum(c) AS candidate_requests,
    countIf(b > 0 AND c > 0) AS shared_minutes,
    toUnixTimestamp(minIf(minute, b > 0 AND c > 0)) * 1000 AS first_ms,
    toUnixTimestamp(maxIf(minute, b > 0 AND c > 0)) * 1000 AS last_ms,
    arraySort(groupArrayIf(toUnixTimestamp(minute), b > 0 AND c > 0)) AS minutes
FROM (
    SELECT toStartOfMinute(Start) AS minute, sumIf(Requests, in_baseline) AS b, sumIf(Requests, in_candidate) AS c
    FROM verdict_traces_live
    WHERE Requests > 0 AND {{scope}} AND (in_baseline OR in_candidate)
    GROUP BY minute
)
