-- Embedded placement: a batch of RowBinary rows written to a staging file by the collector.
-- Settings travel in the statement, not as session settings: on the embedded connection a
-- session setting would outlive the insert. The column list and the structure must follow the encoder's column order (collector/span-rows.ts).
-- No partition limit: a batch whose spans cover more than 100 days (backfill, wrong clocks) would
-- otherwise be refused on every retry and hold up everything queued behind it.
INSERT INTO otel_traces (
    Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
    ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage,
    `Events.Timestamp`, `Events.Name`, `Events.Attributes`,
    `Links.TraceId`, `Links.SpanId`, `Links.TraceState`, `Links.Attributes`)
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0
SELECT * FROM file({path:String}, 'RowBinary', {structure:String})
