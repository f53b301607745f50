-- compare with time alignment: each side's first and last request, floored to the minute, so that
-- both sides can then be read over only the minutes where both were live.
WITH
    ({{baseline}}) AS in_baseline,
    ({{candidate}}) AS in_candidate
SELECT
    sumIf(Requests, in_baseline) AS baseline_requests,
    sumIf(Requests, in_candidate) AS candidate_requests,
    toUnixTimestamp(toStartOfMinute(minIf(Start, in_baseline AND Requests > 0))) * 1000 AS baseline_first_ms,
    toUnixTimestamp(toStartOfMinute(maxIf(Start, in_baseline AND Requests > 0))) * 1000 AS baseline_last_ms,
    toUnixTimestamp(toStartOfMinute(minIf(Start, in_candidate AND Requests > 0))) * 1000 AS candidate_first_ms,
    toUnixTimestamp(toStartOfMinute(maxIf(Start, in_candidate AND Requests > 0))) * 1000 AS candidate_last_ms
FROM verdict_traces_live
WHERE Requests > 0 AND {{scope}} AND (in_baseline OR in_candidate)
