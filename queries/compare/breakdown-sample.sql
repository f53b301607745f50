-- compare --by on version cohorts: each group's tests ({{group_tests}}: group-tests.sql) from a
-- deterministic sample of its settled traces (TraceHash at most the group's cut per side, so that a
-- large group reads about as many requests as compare's own test; a small one reads all). The bound
-- on TraceHash is also a range of verdict_traces' sort key, so the sample is all that is read
-- ({{sampled}}: each side within its largest cut, sides.ts sampleScope). The live summaries by
-- verdict_traces_live's rule ({{live}}: live-traces.sql).
-- The sorted samples stay in the engine (WITH: no output columns): only what is computed from them comes out.
WITH arraySort(b_durations) AS b_sorted, arraySort(c_durations) AS c_sorted
SELECT
    group_key,
    length(b_durations) > 0 AND length(c_durations) > 0 AS both_sides,
    {{group_tests}}
FROM (
    SELECT
        group_key,
        groupArrayArrayIf(RequestDurations, in_baseline AND TraceHash <= toUInt64(transform(group_key, {groups:Array(String)}, {b_cuts:Array(String)}, '0'))) AS b_durations,
        groupArrayArrayIf(RequestDurations, in_candidate AND TraceHash <= toUInt64(transform(group_key, {groups:Array(String)}, {c_cuts:Array(String)}, '0'))) AS c_durations
    FROM (
        WITH
            ({{baseline}}) AS in_baseline,
            ({{candidate}}) AS in_candidate
        SELECT {{group_key}} AS group_key, TraceHash, RequestDurations, in_baseline, in_candidate
        FROM verdict_traces
        WHERE {{live}} AND Requests > 0 AND {{scope}} AND ({{sampled}})
            AND {{group_key}} IN {groups:Array(String)}
    )
    GROUP BY group_key
)
