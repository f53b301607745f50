-- Regression alerts (issue 13): one row per episode (service, environment, candidate, metric,
-- opened at), rewritten as it changes; ReplacingMergeTree keeps the latest by UpdatedAt, and readers
-- use FINAL. Kept in the store rather than in the collector's memory so `verdict alerts` reads them
-- with no collector running, and a restart knows which episodes are open.
CREATE TABLE IF NOT EXISTS verdict_alerts (
    AlertId String,
    Service LowCardinality(String),
    Environment LowCardinality(String),
    Version String,
    Baseline String,
    Metric LowCardinality(String),
    State LowCardinality(String),
    OpenedAt DateTime64(3, 'UTC'),
    ResolvedAt DateTime64(3, 'UTC'),
    UpdatedAt DateTime64(3, 'UTC'),
    BaselineValue Float64,
    CandidateValue Float64,
    CiLow Float64,
    CiHigh Float64,
    LogLikelihoodRatio Float64,
    BaselineRequests UInt64,
    CandidateRequests UInt64,
    RollbackTo String,
    RollbackCommit String,
    ResolvedBecause String
) ENGINE = ReplacingMergeTree(UpdatedAt)
ORDER BY (Service, Environment, Version, Metric, AlertId);
