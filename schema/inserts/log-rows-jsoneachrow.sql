-- Server placement: a sealed logs-queue segment of JSON lines is the body of this insert (the
-- lines carry the columns below by name; {{structure}} is for the embedded file() reader only).
INSERT INTO otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, ResourceSchemaUrl,
    ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes, EventName)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0
FORMAT JSONEachRow
