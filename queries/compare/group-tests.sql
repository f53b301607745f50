-- compare --by: one group's tests over its two samples {b,c}_durations (both_sides: each has
-- requests), in one place for the one-pass breakdown and the rollup breakdown's sample: the
-- Mann–Whitney U p-value of the whole distribution, and each side's p50/p95 intervals
-- (quantile-ci.sql). A group seen on one side only gets nan, fed a stand-in pair rather than
-- relying on if() to skip it: with short_circuit_function_evaluation off, if() evaluates both branches.
-- Both read each side's sorted sample, b_sorted and c_sorted, which the statement including this
-- defines in its WITH (so they are no output columns). The test is fed the sorted samples, as in
-- sample.sql: it sorts what it is given, which costs about half as much when that is two sorted
-- runs, and its statistic is a rank sum (ranks k or k + ½, exact in Float64), so the order the
-- values come in does not change the p-value.
if(both_sides,
   arrayReduce('mannWhitneyUTest(\'two-sided\')',
       if(both_sides, arrayConcat(b_sorted, c_sorted), [0, 1]),
       if(both_sides, arrayConcat(arrayMap(x -> toUInt8(0), b_sorted), arrayMap(x -> toUInt8(1), c_sorted)), [0, 1])).2,
   nan) AS latency_p_value,
{{baseline_quantile_ci}},
{{candidate_quantile_ci}}
