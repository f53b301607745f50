-- Each quantile's distribution-free interval from a sorted sample {{sorted}} of n values: the
-- order statistics at ranks n·p ∓ z·√(n·p·(1 − p)), clamped to [1, n]. The one place this formula
-- lives; compare's test queries include it once per side, with z and the quantiles as parameters.
arrayMap(p -> {{sorted}}[toUInt64(greatest(1, floor(length({{sorted}}) * p - {z:Float64} * sqrt(length({{sorted}}) * p * (1 - p)))))], {quantiles:Array(Float64)}) AS {{side}}_latency_lo_ns,
arrayMap(p -> {{sorted}}[toUInt64(least(toFloat64(length({{sorted}})), ceil(length({{sorted}}) * p + {z:Float64} * sqrt(length({{sorted}}) * p * (1 - p)))))], {quantiles:Array(Float64)}) AS {{side}}_latency_hi_ns
