-- Which of a batch of traces this scorer version has scored already (its assessment ids).
SELECT DISTINCT TraceId AS traceId
FROM verdict_assessments
WHERE Name = {name:String} AND SourceType = 'CODE' AND SourceId = {source:String} AND TraceId IN {traces:Array(String)}
