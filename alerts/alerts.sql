-- Alert episodes, latest state of each (FINAL), newest first; optionally only those firing.
SELECT
    AlertId AS id, Service AS service, Environment AS environment, Version AS version, Baseline AS baseline,
    Metric AS metric, State AS state,
    toUnixTimestamp64Milli(OpenedAt) AS opened_ms, toUnixTimestamp64Milli(ResolvedAt) AS resolved_ms,
    BaselineValue AS baseline_value, CandidateValue AS candidate_value, CiLow AS ci_low, CiHigh AS ci_high,
    LogLikelihoodRatio AS llr, BaselineRequests AS baseline_requests, CandidateRequests AS candidate_requests,
    RollbackTo AS rollback_to, RollbackCommit AS rollback_commit, ResolvedBecause AS resolved_because
FROM verdict_alerts FINAL
WHERE ({state:String} = '' OR State = {state:String})
  AND ({service:String} = '' OR Service = {service:String})
ORDER BY OpenedAt DESC, AlertId
LIMIT {limit:UInt32}
