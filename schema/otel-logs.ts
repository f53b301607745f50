// The otel_logs row as the logs queue carries it: JSON lines with these fields (the log encoder
// writes them, the insert statements read them), declared once.
export const LOG_ROW_STRUCTURE =
  "'Timestamp DateTime64(9), TraceId String, SpanId String, TraceFlags UInt8, SeverityText String, SeverityNumber UInt8, ServiceName String, " +
  'Body String, ResourceSchemaUrl String, ResourceAttributes Map(String, String), ScopeSchemaUrl String, ScopeName String, ScopeVersion String, ' +
  "ScopeAttributes Map(String, String), LogAttributes Map(String, String), EventName String'";
