-- trace, step 1: the trace's first and last span start (seconds) from otel_traces_trace_id_ts, a
-- small table sorted by TraceId — as Grafana does before reading a trace.
SELECT
    toUnixTimestamp(min(Start)) AS start_s,
    toUnixTimestamp(max(End)) AS end_s
FROM otel_traces_trace_id_ts
WHERE TraceId = {trace:String}
