-- compare reads the feedback of a deterministic sample of traces (cityHash64(TraceId) at most a
-- cut, the same hash verdict_traces keeps as TraceHash). verdict_assessments is ordered by name and
-- trace id, so a sample's tens of thousands of trace ids touched every granule: its read grew with
-- the assessments kept. A projection ordered by the hash makes the sample a range of its key.
-- ReplacingMergeTree takes a projection only when told what a merge that drops rows does to it:
-- 'rebuild' recomputes it from the merged part. MATERIALIZE builds it for the parts already stored
-- (new parts get it as they are written); run again after an interruption, it redoes the same.
ALTER TABLE verdict_assessments MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE verdict_assessments ADD PROJECTION IF NOT EXISTS by_trace_hash (SELECT * ORDER BY cityHash64(TraceId));

ALTER TABLE verdict_assessments MATERIALIZE PROJECTION by_trace_hash SETTINGS mutations_sync = 2;
