-- compare on version cohorts: the inputs of the significance tests from verdict_traces (one row
-- per trace and version) instead of raw spans. The per-side sample (TraceHash at most a cut) is a
-- range of the table's sort key, so a small sample reads little. Same outputs as tests.sql.
SELECT
    b_traces, b_r, b_rr, b_sp, b_spsp, b_spr, b_ti, b_titi, b_tir, b_to, b_toto, b_tor,
    c_traces, c_r, c_rr, c_sp, c_spsp, c_spr, c_ti, c_titi, c_tir, c_to, c_toto, c_tor,
    mwu.2 AS latency_p_value,
    length(b_sorted) AS b_sampled_requests,
    length(c_sorted) AS c_sampled_requests,
    {{baseline_quantile_ci}},
    {{candidate_quantile_ci}}
FROM (
    WITH
        AppVersion = {b_version:String} AND TraceHash <= {baseline_cut:UInt64} AS b,
        AppVersion = {c_version:String} AND TraceHash <= {candidate_cut:UInt64} AS c
    SELECT
        countIf(b) AS b_traces,
        sumIf(r, b) AS b_r,
        sumIf(r * r, b) AS b_rr,
        sumIf(sp, b) AS b_sp,
        sumIf(sp * sp, b) AS b_spsp,
        sumIf(sp * r, b) AS b_spr,
        sumIf(ti, b) AS b_ti,
        sumIf(ti * ti, b) AS b_titi,
        sumIf(ti * r, b) AS b_tir,
        sumIf(to, b) AS b_to,
        sumIf(to * to, b) AS b_toto,
        sumIf(to * r, b) AS b_tor,
        countIf(c) AS c_traces,
        sumIf(r, c) AS c_r,
        sumIf(r * r, c) AS c_rr,
        sumIf(sp, c) AS c_sp,
        sumIf(sp * sp, c) AS c_spsp,
        sumIf(sp * r, c) AS c_spr,
        sumIf(ti, c) AS c_ti,
        sumIf(ti * ti, c) AS c_titi,
        sumIf(ti * r, c) AS c_tir,
        sumIf(to, c) AS c_to,
        sumIf(to * to, c) AS c_toto,
        sumIf(to * r, c) AS c_tor,
        mannWhitneyUTestArray(
            arrayConcat(if(b, d, []), if(c, d, [])),
            arrayConcat(arrayMap(x -> toUInt8(0), if(b, d, [])), arrayMap(x -> toUInt8(1), if(c, d, [])))) AS mwu,
        arraySort(groupArrayArrayIf(d, b)) AS b_sorted,
        arraySort(groupArrayArrayIf(d, c)) AS c_sorted
    FROM (
        SELECT
            AppVersion,
            TraceHash,
            sum(Requests) AS r,
            sum(Spans) AS sp,
            sum(InputTokens) AS ti,
            sum(OutputTokens) AS to,
            groupArrayArray(RequestDurations) AS d
        FROM verdict_traces
        WHERE {{scope}}
            AND ((AppVersion = {b_version:String} AND TraceHash <= {baseline_cut:UInt64})
              OR (AppVersion = {c_version:String} AND TraceHash <= {candidate_cut:UInt64}))
            -- Rows of one trace (from different inserts, not merged yet) start no earlier than the
            -- trace: with this margin the window below is exact for traces shorter than an hour,
            -- and a narrow window (time alignment) groups only its own traces.
            AND Start >= fromUnixTimestamp64Milli({from_ms:Int64}) - INTERVAL 1 HOUR
            AND Start < fromUnixTimestamp64Milli({to_ms:Int64}) + INTERVAL 1 HOUR
        GROUP BY AppVersion, TraceHash
        HAVING min(Start) >= fromUnixTimestamp64Milli({from_ms:Int64}) AND min(Start) < fromUnixTimestamp64Milli({to_ms:Int64})
    )
)
