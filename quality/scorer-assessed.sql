-- What a batch of traces has been assessed with, for scorers, in one read: each trace's live
-- expectations (the right answers; the latest per name and source), and which of the given
-- code scorers ({sources}: name@version) have scored it already.
-- {{batch}}: the batch's trace ids, as in scorer-traces.sql.
SELECT TraceId AS traceId, Kind AS kind, Name AS name, SourceId AS source, argMax(Value, (Timestamp, Arrival)) AS value
FROM verdict_assessments
WHERE TraceId IN {{batch}}
    AND (Kind = 'expectation' OR (SourceType = 'CODE' AND SourceId IN {sources:Array(String)}))
GROUP BY TraceId, Kind, Name, SourceType, SourceId
