-- Embedded placement: a sealed queue segment of RowBinary rows, read by the engine from its file.
-- {{columns}} is the row contract's column list (schema/otel-traces.ts), in row order.
-- Settings travel in the statement, not as session settings: on the embedded connection a
-- session setting would outlive the insert.
-- No partition limit: a batch whose spans cover more than 100 days (backfill, wrong clocks) would
-- otherwise be refused on every retry and hold up everything queued behind it.
INSERT INTO otel_traces ({{columns}})
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0
SELECT * FROM file({path:String}, 'RowBinary', {structure:String})
