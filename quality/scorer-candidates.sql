-- Offline scoring's traces: the settled traces with a request that match the command's filter
-- and time range ({{where}}, compiled by queries/), a deterministic share of them when sampling.
SELECT DISTINCT TraceId AS traceId
FROM verdict_traces_live
WHERE {{where}} AND Requests > 0 AND cityHash64(TraceId) % 10000 < {sample_bp:UInt32}
ORDER BY traceId
