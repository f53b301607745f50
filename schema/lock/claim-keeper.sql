-- Claims one generation of a lock on a cluster: a second insert of the same key fails.
INSERT INTO verdict_locks SETTINGS keeper_map_strict_mode = 1, async_insert = 0
SELECT {lock:String}, {holder:String}, now64(3), toUInt8(0)
