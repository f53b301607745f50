-- A replayed batch (same insert_deduplication_token, e.g. after a crash between insert and
-- acknowledgement) must not be stored twice. MergeTree only remembers recent insert tokens when
-- non_replicated_deduplication_window is set, and each materialized view's target table needs its
-- own window: otherwise the base table drops the replay but the view's target counts it again
-- (ENGINE-FACTS, "Deduplication and rollups"). Every later MV target sets it in its CREATE.
ALTER TABLE otel_traces MODIFY SETTING non_replicated_deduplication_window = 1000;

ALTER TABLE otel_traces_trace_id_ts MODIFY SETTING non_replicated_deduplication_window = 1000;
