-- compare's mix adjustment: per stratum ({{stratum}}, an array of the stratifying keys' values:
-- the root operation, the model and/or one attribute brought by {{group_join}}) and side, the
-- sums the Cochran–Mantel–Haenszel risk difference and direct standardisation need: requests and
-- errors, and per trace the cluster sums (Σx, Σx², Σx·r) of latency (ms), tokens, spans and cost (USD). The same
-- deterministic trace sample as the tests (TraceHash at most a per-side cut).
WITH
    ({{baseline}}) AND TraceHash <= {baseline_cut:UInt64} AS b,
    ({{candidate}}) AND TraceHash <= {candidate_cut:UInt64} AS c,
    toFloat64(Requests) AS r,
    arraySum(arrayMap(d -> d / 1e6, RequestDurations)) AS lat,
    toFloat64(InputTokens) AS ti,
    toFloat64(OutputTokens) AS tout,
    toFloat64(Spans) AS sp,
    toFloat64(Cost) AS usd
SELECT
    {{stratum}} AS stratum,
    countIf(b) AS b_traces, sumIf(r, b) AS b_r, sumIf(r * r, b) AS b_rr, sumIf(Errors, b) AS b_errors,
    sumIf(lat, b) AS b_lat, sumIf(lat * lat, b) AS b_latlat, sumIf(lat * r, b) AS b_latr,
    sumIf(ti, b) AS b_ti, sumIf(ti * ti, b) AS b_titi, sumIf(ti * r, b) AS b_tir,
    sumIf(tout, b) AS b_to, sumIf(tout * tout, b) AS b_toto, sumIf(tout * r, b) AS b_tor,
    sumIf(sp, b) AS b_sp, sumIf(sp * sp, b) AS b_spsp, sumIf(sp * r, b) AS b_spr,
    sumIf(usd, b) AS b_usd, sumIf(usd * usd, b) AS b_usdusd, sumIf(usd * r, b) AS b_usdr,
    countIf(c) AS c_traces, sumIf(r, c) AS c_r, sumIf(r * r, c) AS c_rr, sumIf(Errors, c) AS c_errors,
    sumIf(lat, c) AS c_lat, sumIf(lat * lat, c) AS c_latlat, sumIf(lat * r, c) AS c_latr,
    sumIf(ti, c) AS c_ti, sumIf(ti * ti, c) AS c_titi, sumIf(ti * r, c) AS c_tir,
    sumIf(tout, c) AS c_to, sumIf(tout * tout, c) AS c_toto, sumIf(tout * r, c) AS c_tor,
    sumIf(sp, c) AS c_sp, sumIf(sp * sp, c) AS c_spsp, sumIf(sp * r, c) AS c_spr,
    sumIf(usd, c) AS c_usd, sumIf(usd * usd, c) AS c_usdusd, sumIf(usd * r, c) AS c_usdr
FROM verdict_traces_live
{{group_join}}
WHERE Requests > 0 AND {{scope}} AND (b OR c)
GROUP BY stratum
ORDER BY stratum
