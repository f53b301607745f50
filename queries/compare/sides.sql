-- compare, per side over the whole window, in one pass and one row: the side's requests (count,
-- errors, exact latency quantiles) and all spans of its traces (span and token counts, for the
-- per-request means). -If combinators instead of a side column: a span in both cohorts
-- (overlapping filters) counts on both sides without duplicating rows.
WITH
    ({{baseline_span}}) AS in_baseline,
    ({{candidate_span}}) AS in_candidate,
    in_baseline AND IsRequest = 1 AND ({{baseline_request}}) AS baseline_request,
    in_candidate AND IsRequest = 1 AND ({{candidate_request}}) AS candidate_request
SELECT
    countIf(baseline_request) AS b_requests,
    countIf(baseline_request AND StatusCode = 'Error') AS b_errors,
    quantilesExactIf(0.5, 0.9, 0.95, 0.99)(Duration, baseline_request) AS b_latency_ns,
    avgIf(Duration, baseline_request) AS b_mean_ns,
    countIf(in_baseline) AS b_spans,
    sumIf(InputTokens, in_baseline) AS b_input_tokens,
    sumIf(OutputTokens, in_baseline) AS b_output_tokens,
    toUnixTimestamp64Milli(minIf(Timestamp, baseline_request)) AS b_first_ms,
    toUnixTimestamp64Milli(maxIf(Timestamp, baseline_request)) AS b_last_ms,
    countIf(candidate_request) AS c_requests,
    countIf(candidate_request AND StatusCode = 'Error') AS c_errors,
    quantilesExactIf(0.5, 0.9, 0.95, 0.99)(Duration, candidate_request) AS c_latency_ns,
    avgIf(Duration, candidate_request) AS c_mean_ns,
    countIf(in_candidate) AS c_spans,
    sumIf(InputTokens, in_candidate) AS c_input_tokens,
    sumIf(OutputTokens, in_candidate) AS c_output_tokens,
    toUnixTimestamp64Milli(minIf(Timestamp, candidate_request)) AS c_first_ms,
    toUnixTimestamp64Milli(maxIf(Timestamp, candidate_request)) AS c_last_ms
FROM otel_traces
WHERE {{scope}} AND (in_baseline OR in_candidate)
