SELECT dateDiff('millisecond', Beat, now64(3)) AS silent_ms, Released AS released
FROM verdict_locks
WHERE Lock = {lock:String}
