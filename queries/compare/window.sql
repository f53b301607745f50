-- compare with time alignment: each side's first and last request, floored to the minute, so that
-- both sides can then be read over only the minutes where both were live.
WITH
    ({{baseline_request}}) AS in_baseline,
    ({{candidate_request}}) AS in_candidate
SELECT
    countIf(in_baseline) AS baseline_requests,
    countIf(in_candidate) AS candidate_requests,
    toUnixTimestamp(toStartOfMinute(minIf(Timestamp, in_baseline))) * 1000 AS baseline_first_ms,
    toUnixTimestamp(toStartOfMinute(maxIf(Timestamp, in_baseline))) * 1000 AS baseline_last_ms,
    toUnixTimestamp(toStartOfMinute(minIf(Timestamp, in_candidate))) * 1000 AS candidate_first_ms,
    toUnixTimestamp(toStartOfMinute(maxIf(Timestamp, in_candidate))) * 1000 AS candidate_last_ms
FROM otel_traces
WHERE IsRequest = 1 AND {{scope}} AND (in_baseline OR in_candidate)
