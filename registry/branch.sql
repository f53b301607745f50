-- The git branch of each version of a service, read from its spans of its first 5 minutes
-- (vcs.ref.head.name on the span or its resource): a version's branch is where it was built.
WITH firsts AS (
    SELECT AppVersion AS version, min(Timestamp) AS first
    FROM otel_traces
    WHERE ServiceName = {service:String} AND AppVersion != ''
    GROUP BY version
)
SELECT
    t.AppVersion AS version,
    anyIf(b, b != '') AS branch
FROM (
    SELECT AppVersion, Timestamp,
        coalesce(nullIf(SpanAttributes['vcs.ref.head.name'], ''), nullIf(ResourceAttributes['vcs.ref.head.name'], ''), '') AS b
    FROM otel_traces
    WHERE ServiceName = {service:String} AND AppVersion != ''
) AS t
INNER JOIN firsts AS f ON t.AppVersion = f.version
WHERE t.Timestamp < f.first + INTERVAL 5 MINUTE
GROUP BY version
