DELETE FROM verdict_locks WHERE Lock = {lock:String}
