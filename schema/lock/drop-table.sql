-- A generation two behind the newest is never looked at again. SYNC: an Atomic database would
-- otherwise keep each dropped table's files for 8 minutes, and a busy server claims the settle
-- lock once per insert batch.
DROP TABLE IF EXISTS {{table}} SYNC
