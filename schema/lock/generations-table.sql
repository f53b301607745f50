-- Every generation of a lock still present, with its holder (the table's comment).
SELECT name AS lock, comment AS holder
FROM system.tables
WHERE database = currentDatabase() AND startsWith(name, {prefix:String})
