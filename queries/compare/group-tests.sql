-- compare --by: one group's tests over its two samples {b,c}_durations (both_sides: each has
-- requests), in one place for the one-pass breakdown and the rollup breakdown's sample: the
-- Mann–Whitney U p-value of the whole distribution, and each side's p50/p95 intervals
-- (quantile-ci.sql). A group seen on one side only gets nan, fed a stand-in pair rather than
-- relying on if() to skip it: with short_circuit_function_evaluation off, if() evaluates both branches.
-- The intervals read each side's sorted sample, b_sorted and c_sorted, which the statement
-- including this defines in its WITH (so they are no output columns).
if(both_sides,
   arrayReduce('mannWhitneyUTest(\'two-sided\')',
       if(both_sides, arrayConcat(b_durations, c_durations), [0, 1]),
       if(both_sides, arrayConcat(arrayMap(x -> toUInt8(0), b_durations), arrayMap(x -> toUInt8(1), c_durations)), [0, 1])).2,
   nan) AS latency_p_value,
{{baseline_quantile_ci}},
{{candidate_quantile_ci}}
