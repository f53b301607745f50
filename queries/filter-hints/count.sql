-- filter hints: how many rows of the scope meet a condition (requests in scope, requests matching one
-- condition of the filter, rows carrying an attribute key).
SELECT count() AS n
FROM otel_traces
WHERE {{scope}} AND {{rows}}
