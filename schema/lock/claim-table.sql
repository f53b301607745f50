-- Claims one generation of a lock: of all callers only one creates the table, and its comment
-- names that caller (the others' IF NOT EXISTS does nothing, and no error is logged). The first
-- heartbeat is the table's first row, written by the server's clock.
CREATE TABLE IF NOT EXISTS {{table}} (Beat DateTime64(3), Released UInt8)
ENGINE = MergeTree ORDER BY Beat
COMMENT '{{holder}}'
AS SELECT now64(3), toUInt8(0)
