-- Server placement: the same RowBinary batch sent as the request body.
-- No partition limit: a batch whose spans cover more than 100 days (backfill, wrong clocks) would
-- otherwise be refused on every retry and hold up everything queued behind it.
INSERT INTO otel_traces (
    Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
    ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage,
    `Events.Timestamp`, `Events.Name`, `Events.Attributes`,
    `Links.TraceId`, `Links.SpanId`, `Links.TraceState`, `Links.Attributes`)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0
FORMAT RowBinary
