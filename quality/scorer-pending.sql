-- Online scoring's next traces: settled after the checkpoint (arrival, then trace id: one insert
-- settles many traces at the same arrival time) and quiet since (no span for {quiet_ms}: the trace
-- is taken as complete), oldest first. Read from verdict_scorer_queue, sorted by (arrival, trace),
-- and only up to the horizon: the {limit}-th queued row past the checkpoint. Both ends are key
-- ranges, so a batch reads its own rows however long the backlog, and however many traces share
-- one arrival (a segment of 50k spans settles 25k at once). A trace queued again past the horizon
-- is looked at again there, and skipped as scored.
WITH (
    SELECT max((LastArrival, TraceId))
    FROM (
        SELECT LastArrival, TraceId
        FROM verdict_scorer_queue
        WHERE LastArrival > {watermark:DateTime64(3)} OR (LastArrival = {watermark:DateTime64(3)} AND TraceId > {last_trace:String})
        ORDER BY LastArrival, TraceId
        LIMIT {limit:UInt32}
    )
) AS horizon
SELECT TraceId AS traceId, toString(max(LastArrival)) AS arrival
FROM verdict_scorer_queue
WHERE (LastArrival > {watermark:DateTime64(3)} OR (LastArrival = {watermark:DateTime64(3)} AND TraceId > {last_trace:String}))
    AND (LastArrival < horizon.1 OR (LastArrival = horizon.1 AND TraceId <= horizon.2))
GROUP BY TraceId
HAVING max(LastArrival) <= now64(3) - toIntervalMillisecond({quiet_ms:UInt32})
ORDER BY max(LastArrival), TraceId
LIMIT {limit:UInt32}
