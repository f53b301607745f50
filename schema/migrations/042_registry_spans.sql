-- Registrations sent by verdict/instrumentation's registerVersion() (issue 13): one span named
-- verdict.registry.register, filed here as a `registered` event of the span's service and version,
-- by the instance that sent it. No backfill: no such span existed before this migration.
CREATE MATERIALIZED VIEW IF NOT EXISTS verdict_registry_spans_mv TO verdict_registry_events
AS SELECT
    concat('span-', TraceId, '-', SpanId) AS EventId,
    toDateTime64(Timestamp, 3, 'UTC') AS At,
    ServiceName AS Service,
    AppVersion AS Version,
    '' AS Environment,
    'registered' AS Kind,
    '' AS FromValue,
    '' AS ToValue,
    concat('app:', coalesce(nullIf(ResourceAttributes['service.instance.id'], ''), nullIf(ResourceAttributes['host.name'], ''), ServiceName)) AS Actor,
    SpanAttributes['verdict.registry.note'] AS Reason,
    GitCommit,
    JSONExtract(SpanAttributes['verdict.registry.params'], 'Map(String, String)') AS Params,
    JSONExtract(SpanAttributes['verdict.registry.prompts'], 'Map(String, String)') AS Prompts,
    SpanAttributes['verdict.registry.config'] AS Config
FROM otel_traces
WHERE SpanName = 'verdict.registry.register';
