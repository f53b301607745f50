-- The git branch of versions of a service, read from each version's spans of its first 5 minutes
-- (vcs.ref.head.name on the span or its resource): a version's branch is where it was built.
-- {{windows}} is one `(AppVersion = {vN:String} AND Timestamp in [{fN}, {fN} + 5 min))` per version,
-- so only those minutes are read.
SELECT
    AppVersion AS version,
    anyIf(b, b != '') AS branch
FROM (
    SELECT AppVersion,
        coalesce(nullIf(SpanAttributes['vcs.ref.head.name'], ''), nullIf(ResourceAttributes['vcs.ref.head.name'], ''), '') AS b
    FROM otel_traces
    WHERE ServiceName = {service:String} AND ({{windows}})
)
GROUP BY version
