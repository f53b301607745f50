-- bench:query's feedback: {n} thumbs-up/down assessments on a deterministic share of the settled
-- traces (about 40 %), true for about 80 % of them, from HUMAN sources, spread like real feedback.
INSERT INTO verdict_assessments (AssessmentId, TraceId, SpanId, Name, Kind, ValueType, Score, Label, Value, SourceType, SourceId, Rationale, Metadata, Error, Origin, Timestamp)
SETTINGS async_insert = 0, max_partitions_per_insert_block = 0
SELECT
    concat('bench-', TraceId), TraceId, '', 'thumbs_up', 'feedback', 'boolean',
    if(cityHash64(TraceId, 'v') % 10 < 8, 1, 0), if(cityHash64(TraceId, 'v') % 10 < 8, 'true', 'false'), if(cityHash64(TraceId, 'v') % 10 < 8, 'true', 'false'),
    'HUMAN', 'bench-user', '', map(), '', 'api', Start
FROM (SELECT TraceId, min(Start) AS Start FROM verdict_traces_live WHERE cityHash64(TraceId) % 5 < 2 GROUP BY TraceId LIMIT {n:UInt64})
