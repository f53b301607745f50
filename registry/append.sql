-- Appends events given as JSON lines. Settings travel in the statement, not the connection: on the
-- embedded engine a connection's settings outlive the query (ENGINE-FACTS). The token makes a
-- retried append land once.
INSERT INTO verdict_registry_events
SETTINGS async_insert = 0, insert_deduplication_token = {token:String}
SELECT * FROM format(JSONEachRow,
    'EventId String, At DateTime64(3, \'UTC\'), Service String, Version String, Environment String, Kind String, FromValue String, ToValue String, Actor String, Reason String, GitCommit String, Params Map(String, String), Prompts Map(String, String), Config String',
    {rows:String})
