-- The version registry's audit trail (issue 13): every change to a version's record (registered,
-- stage, golden, note) is one appended row, and a version's record is built by folding its rows
-- in time order. Nothing updates or deletes a row; the deduplication window makes a retried
-- append (same EventId as its token) land once. Versions seen in spans need no row here: their
-- records are derived from the rollups, so data stored before this migration needs no backfill.
CREATE TABLE IF NOT EXISTS verdict_registry_events (
    EventId String,
    At DateTime64(3, 'UTC'),
    Service LowCardinality(String),
    Version String,
    Environment LowCardinality(String),
    Kind LowCardinality(String),
    FromValue String,
    ToValue String,
    Actor String,
    Reason String,
    GitCommit String,
    Params Map(String, String),
    Prompts Map(String, String),
    Config String
) ENGINE = MergeTree
ORDER BY (Service, Version, At, EventId)
SETTINGS non_replicated_deduplication_window = 1000;
