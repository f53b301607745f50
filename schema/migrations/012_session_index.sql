-- One session's traces are looked up by SessionId, which is not in the sort key: a bloom filter
-- lets the engine skip the granules that cannot hold it. MATERIALIZE builds it for parts written
-- before this migration (a mutation, in the background).
ALTER TABLE otel_traces ADD INDEX IF NOT EXISTS idx_session_id SessionId TYPE bloom_filter(0.001) GRANULARITY 1;

ALTER TABLE otel_traces MATERIALIZE INDEX idx_session_id;
