-- Online scoring's queue (quality/scorer-pending.sql): every settled trace with a request, by the
-- arrival of its summary. Online scoring reads the traces past its checkpoint; verdict_traces is
-- sorted by service, version and day, so finding them there read every settled trace on every
-- batch (and the live view's exclusion set), a cost that grew with the store. Sorted by arrival,
-- a batch reads its own rows. A trace re-settled after a late span is queued again at its new
-- arrival (a scorer version that scored it already skips it, by its assessment's id).
CREATE TABLE IF NOT EXISTS verdict_scorer_queue (
    LastArrival DateTime64(3),
    TraceId String CODEC(ZSTD(1))
) ENGINE = MergeTree
PARTITION BY toYYYYMM(LastArrival)
ORDER BY (LastArrival, TraceId)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_scorer_queue_mv TO verdict_scorer_queue
AS SELECT LastArrival, TraceId
FROM verdict_traces
WHERE Sign = 1 AND Requests > 0;

-- Backfill: the live summaries already settled, so that a scorer set checkpointed before this
-- version goes on from its checkpoint.
INSERT INTO verdict_scorer_queue
SELECT LastArrival, TraceId
FROM verdict_traces_live
WHERE Requests > 0
SETTINGS max_partitions_per_insert_block = 0;
