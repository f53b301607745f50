-- The holder is alive (released = 0), or lets go (released = 1).
INSERT INTO {{table}} SETTINGS async_insert = 0
SELECT now64(3), {released:UInt8}
