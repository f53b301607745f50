-- Server placement: the same RowBinary batch sent as the request body.
-- {{columns}} is the row contract's column list (schema/otel-traces.ts), in row order.
-- No partition limit: a batch whose spans cover more than 100 days (backfill, wrong clocks) would
-- otherwise be refused on every retry and hold up everything queued behind it.
INSERT INTO otel_traces ({{columns}})
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}, max_partitions_per_insert_block = 0
FORMAT RowBinary
