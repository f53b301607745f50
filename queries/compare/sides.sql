-- compare, per side over the whole window, in one pass over the settled traces and one row: each
-- side's requests (count, errors, exact latency quantiles) and spans and tokens (for the
-- per-request means). -If combinators instead of a side column: a trace in both cohorts
-- (overlapping filters) counts on both sides. The cost sums (cost-sums.sql) come from the same pass:
-- for a filter side each pass scans raw spans for the filter, so one pass here is one scan fewer.
WITH
    ({{baseline}}) AS in_baseline,
    ({{candidate}}) AS in_candidate,
    in_baseline AS b,
    in_candidate AS c,
    toInt64(round(Cost * 1e9)) AS nano
SELECT
    sumIf(Requests, in_baseline) AS b_requests,
    sumIf(Errors, in_baseline) AS b_errors,
    quantilesExactArrayIf(0.5, 0.9, 0.95, 0.99)(RequestDurations, in_baseline) AS b_latency_ns,
    sumIf(arraySum(RequestDurations), in_baseline) / greatest(b_requests, 1) AS b_mean_ns,
    sumIf(Spans, in_baseline) AS b_spans,
    sumIf(InputTokens, in_baseline) AS b_input_tokens,
    sumIf(OutputTokens, in_baseline) AS b_output_tokens,
    toUnixTimestamp64Milli(minIf(Start, in_baseline AND Requests > 0)) AS b_first_ms,
    toUnixTimestamp64Milli(maxIf(Start, in_baseline AND Requests > 0)) AS b_last_ms,
    sumIf(Requests, in_candidate) AS c_requests,
    sumIf(Errors, in_candidate) AS c_errors,
    quantilesExactArrayIf(0.5, 0.9, 0.95, 0.99)(RequestDurations, in_candidate) AS c_latency_ns,
    sumIf(arraySum(RequestDurations), in_candidate) / greatest(c_requests, 1) AS c_mean_ns,
    sumIf(Spans, in_candidate) AS c_spans,
    sumIf(InputTokens, in_candidate) AS c_input_tokens,
    sumIf(OutputTokens, in_candidate) AS c_output_tokens,
    toUnixTimestamp64Milli(minIf(Start, in_candidate AND Requests > 0)) AS c_first_ms,
    toUnixTimestamp64Milli(maxIf(Start, in_candidate AND Requests > 0)) AS c_last_ms,
{{cost_sums}}
FROM verdict_traces_live
WHERE {{scope}} AND (in_baseline OR in_candidate)
