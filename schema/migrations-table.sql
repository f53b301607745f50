-- Which schema migrations have been applied to this database; one row per migration file.
CREATE TABLE IF NOT EXISTS verdict_schema_migrations (
    name String,
    applied_at DateTime64(3) DEFAULT now64(3)
) ENGINE = ReplacingMergeTree
ORDER BY name
