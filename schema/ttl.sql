-- Applied at start-up when a retention is configured; parts older than it are dropped whole.
ALTER TABLE otel_traces MODIFY TTL toDateTime(Timestamp) + toIntervalDay({days:UInt32})
