-- compare --by name / model on version cohorts, per group and side, from a rollup table (keyed by
-- the root operation and the model): requests, errors and the latency quantiles of the rollup's
-- histogram, as compare's own sides read them. The largest groups first.
SELECT
    {{group_key}} AS group_key,
    sumIf(Requests, AppVersion = {b_version:String}) AS b_requests,
    sumIf(Errors, AppVersion = {b_version:String}) AS b_errors,
    {{baseline_latency_quantiles}} AS b_quantiles,
    sumIf(Requests, AppVersion = {c_version:String}) AS c_requests,
    sumIf(Errors, AppVersion = {c_version:String}) AS c_errors,
    {{candidate_latency_quantiles}} AS c_quantiles
FROM {{rollup}}
WHERE {{scope}} AND AppVersion IN ({b_version:String}, {c_version:String})
GROUP BY group_key
HAVING b_requests + c_requests > 0
ORDER BY b_requests + c_requests DESC, group_key
LIMIT {limit:UInt32}
