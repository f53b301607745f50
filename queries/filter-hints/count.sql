-- filter hints: how many rows of the scope meet a condition (traces in scope, traces matching one
-- condition of the filter; or raw spans carrying an attribute key). {{table}} is verdict_traces_live
-- or otel_traces, with {{scope}} in that table's terms.
SELECT count() AS n
FROM {{table}}
WHERE {{scope}} AND {{rows}}
