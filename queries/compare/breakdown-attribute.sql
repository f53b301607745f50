-- Joined into the compare breakdown for an attribute key: each trace's value of the key, from its
-- request span (span attribute, then resource attribute) first, else from its earliest other span
-- that carries it (so `gen_ai.request.model` finds the model of an LLM child span).
LEFT JOIN (
    SELECT TraceId, ServiceName,
        argMin(coalesce(nullIf(SpanAttributes[{by_key:String}], ''), ResourceAttributes[{by_key:String}]), tuple(IsRequest = 0, Timestamp)) AS attribute_value
    FROM otel_traces
    WHERE {{span_scope}} AND (SpanAttributes[{by_key:String}] != '' OR ResourceAttributes[{by_key:String}] != '')
    GROUP BY TraceId, ServiceName
) AS attribute_values USING (TraceId, ServiceName)
