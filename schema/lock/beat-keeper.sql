-- Not strict: the holder overwrites its own row.
INSERT INTO verdict_locks SETTINGS keeper_map_strict_mode = 0, async_insert = 0
SELECT {lock:String}, {holder:String}, now64(3), {released:UInt8}
