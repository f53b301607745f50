-- Writes an episode's current state (a newer UpdatedAt replaces the row). Settings travel in the
-- statement: on the embedded engine a connection's settings outlive the query (ENGINE-FACTS).
INSERT INTO verdict_alerts
SETTINGS async_insert = 0
SELECT * FROM format(JSONEachRow,
    'AlertId String, Service String, Environment String, Version String, Baseline String, Metric String, State String, OpenedAt DateTime64(3, \'UTC\'), ResolvedAt DateTime64(3, \'UTC\'), UpdatedAt DateTime64(3, \'UTC\'), BaselineValue Float64, CandidateValue Float64, CiLow Float64, CiHigh Float64, LogLikelihoodRatio Float64, BaselineRequests UInt64, CandidateRequests UInt64, RollbackTo String, RollbackCommit String, ResolvedBecause String',
    {rows:String})
