-- Online scoring's next traces: settled after the checkpoint (arrival, then trace id: one insert
-- settles many traces at the same arrival time) and quiet since (no span for {quiet_ms}: the trace
-- is taken as complete), oldest first.
SELECT TraceId AS traceId, toString(max(LastArrival)) AS arrival
FROM verdict_traces_live
WHERE LastArrival >= {watermark:DateTime64(3)} AND Requests > 0
GROUP BY TraceId
HAVING (max(LastArrival), TraceId) > ({watermark:DateTime64(3)}, {last_trace:String})
    AND max(LastArrival) <= now64(3) - toIntervalMillisecond({quiet_ms:UInt32})
ORDER BY max(LastArrival), TraceId
LIMIT {limit:UInt32}
