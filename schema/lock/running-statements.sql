-- Statements of a holder still running on the server (every statement under a lock carries its
-- holder in its query id): a new holder waits for a dead one's last statement to end.
SELECT count() AS n FROM {{processes}}
WHERE startsWith(query_id, {prefix:String})
