-- compare on version cohorts, per side, from a rollup table: the same sums as sides.sql reads from
-- the settled traces, with latency quantiles from the rollup's latency histogram. Broken down by a
-- rollup key, each group's sums come with the whole's ({{grouping}}: grouping sets over
-- {{group_key}} and the whole; `whole` tells the whole's row from a group's).
SELECT
    {{whole}} AS whole,
    {{group_key}} AS group_key,
    sumIf(Requests, AppVersion = {b_version:String}) AS b_requests,
    sumIf(Errors, AppVersion = {b_version:String}) AS b_errors,
    {{baseline_latency_quantiles}} AS b_latency_ns,
    sumIf(RequestDurationNs, AppVersion = {b_version:String}) / greatest(b_requests, 1) AS b_mean_ns,
    sumIf(Spans, AppVersion = {b_version:String}) AS b_spans,
    sumIf(InputTokens, AppVersion = {b_version:String}) AS b_input_tokens,
    sumIf(OutputTokens, AppVersion = {b_version:String}) AS b_output_tokens,
    toUnixTimestamp64Milli(minIf(FirstSeen, AppVersion = {b_version:String} AND Requests > 0)) AS b_first_ms,
    toUnixTimestamp64Milli(maxIf(LastSeen, AppVersion = {b_version:String} AND Requests > 0)) AS b_last_ms,
    sumIf(Requests, AppVersion = {c_version:String}) AS c_requests,
    sumIf(Errors, AppVersion = {c_version:String}) AS c_errors,
    {{candidate_latency_quantiles}} AS c_latency_ns,
    sumIf(RequestDurationNs, AppVersion = {c_version:String}) / greatest(c_requests, 1) AS c_mean_ns,
    sumIf(Spans, AppVersion = {c_version:String}) AS c_spans,
    sumIf(InputTokens, AppVersion = {c_version:String}) AS c_input_tokens,
    sumIf(OutputTokens, AppVersion = {c_version:String}) AS c_output_tokens,
    toUnixTimestamp64Milli(minIf(FirstSeen, AppVersion = {c_version:String} AND Requests > 0)) AS c_first_ms,
    toUnixTimestamp64Milli(maxIf(LastSeen, AppVersion = {c_version:String} AND Requests > 0)) AS c_last_ms
FROM {{rollup}}
WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
{{grouping}}
