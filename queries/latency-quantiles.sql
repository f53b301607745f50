-- Request-latency quantiles in ns, read from a merged latency histogram {{histogram}} of a rollup
-- (keys: bucket b holds durations in [1000 · 1.01^b, 1000 · 1.01^(b+1)) ns, as the rollup's view
-- files them; values: request counts). Each quantile is its bucket's geometric middle, within 0.5 %
-- of the exact value; nan for an empty histogram. {quantiles} lists the levels.
arrayMap(q -> if(arraySum(({{histogram}}).2) > 0,
    1000 * pow(1.01, ({{histogram}}).1[arrayFirstIndex(c -> c >= q * arraySum(({{histogram}}).2), arrayCumSum(({{histogram}}).2))] + 0.5),
    nan), {quantiles:Array(Float64)})
