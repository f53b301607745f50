-- One session's requests (traces) in order, each with its span count and tokens, from the settled
-- traces; the bloom filter on SessionId finds them without a scan. Each turn's cost, and its live
-- feedback (name → value as JSON text), whenever the feedback arrived.
SELECT
    TraceId AS trace_id,
    toUnixTimestamp64Milli(Start) AS start_ms,
    ServiceName AS service,
    RequestName AS name,
    RequestDuration / 1e6 AS duration_ms,
    RequestStatus AS status,
    RequestStatusMessage AS status_message,
    AppVersion AS version,
    Environment AS environment,
    UserId AS user_id,
    Spans AS spans,
    InputTokens AS input_tokens,
    OutputTokens AS output_tokens,
    Cost AS cost_usd,
    feedback.pairs AS feedback
FROM verdict_traces_live
LEFT JOIN (
    SELECT TraceId, groupArray(tuple(Name, Value)) AS pairs
    FROM verdict_assessments_live
    WHERE Kind = 'feedback' AND Error = '' AND TraceId IN (SELECT TraceId FROM verdict_traces_live WHERE SessionId = {session:String})
    GROUP BY TraceId
) AS feedback ON feedback.TraceId = verdict_traces_live.TraceId
WHERE SessionId = {session:String} AND Requests > 0
ORDER BY Start, TraceId
LIMIT {limit:UInt32}
