-- The live expectations (the right answers) of a batch of traces, for scorers.
SELECT TraceId AS traceId, Name AS name, Value AS value
FROM verdict_assessments_live
WHERE Kind = 'expectation' AND TraceId IN {traces:Array(String)}
