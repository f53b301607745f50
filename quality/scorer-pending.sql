-- Online scoring's next traces: settled after the checkpoint (arrival, then trace id: one insert
-- settles many traces at the same arrival time) and quiet since (no span for {quiet_ms}: the trace
-- is taken as complete), oldest first. Read from verdict_scorer_queue, sorted by arrival, and only
-- up to the horizon: the arrival of the {limit}-th queued row past the checkpoint, so that a batch
-- reads its own rows however long the backlog (a trace queued again past the horizon is looked
-- at again there, and skipped as scored).
WITH (
    SELECT max(LastArrival)
    FROM (
        SELECT LastArrival
        FROM verdict_scorer_queue
        WHERE LastArrival >= {watermark:DateTime64(3)} AND (LastArrival, TraceId) > ({watermark:DateTime64(3)}, {last_trace:String})
        ORDER BY LastArrival, TraceId
        LIMIT {limit:UInt32}
    )
) AS horizon
SELECT TraceId AS traceId, toString(max(LastArrival)) AS arrival
FROM verdict_scorer_queue
WHERE LastArrival >= {watermark:DateTime64(3)} AND LastArrival <= horizon
GROUP BY TraceId
HAVING (max(LastArrival), TraceId) > ({watermark:DateTime64(3)}, {last_trace:String})
    AND max(LastArrival) <= now64(3) - toIntervalMillisecond({quiet_ms:UInt32})
ORDER BY max(LastArrival), TraceId
LIMIT {limit:UInt32}
