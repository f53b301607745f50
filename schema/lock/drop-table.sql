-- A generation two behind the newest is never looked at again.
DROP TABLE IF EXISTS {{table}}
