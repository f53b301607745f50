-- Joined into the compare breakdown for an attribute key: the key's first value on any span of
-- each trace of either side, for requests whose own span and resource do not carry the key.
LEFT JOIN (
    SELECT TraceId, any(SpanAttributes[{by_key:String}]) AS trace_value
    FROM otel_traces
    WHERE {{scope}} AND (({{baseline_span}}) OR ({{candidate_span}})) AND SpanAttributes[{by_key:String}] != ''
    GROUP BY TraceId
) AS trace_values USING (TraceId)
