SELECT Lock AS lock, Holder AS holder
FROM verdict_locks
WHERE startsWith(Lock, {prefix:String})
