-- Embedded placement: a sealed logs-queue segment of JSON lines (collector/encode/log-rows.ts),
-- read by the engine from its file into otel_logs. Settings travel in the statement (see
-- span-rows-from-file.sql); the same token makes a replayed segment a no-op.
INSERT INTO otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, ResourceSchemaUrl,
    ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes, EventName)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0
SELECT * FROM file({path:String}, 'JSONEachRow', {{structure}})
