// Typed errors raised by Verdict's instrumentation. Detection problems (no git, no package.json) are never
// errors — a missing value simply stays unset; these are for configuration the app asked for and cannot get.

export type InstrumentationErrorCode =
  | 'ALREADY_STARTED'
  | 'OTEL_ALREADY_REGISTERED'
  | 'UNSUPPORTED_OTLP_PROTOCOL'
  | 'INVALID_EXPORT_URL'
  | 'EXPORTER_NOT_INSTALLED';

export class InstrumentationError extends Error {
  readonly code: InstrumentationErrorCode;

  constructor(code: InstrumentationErrorCode, message: string) {
    super(message);
    this.name = 'InstrumentationError';
    this.code = code;
  }
}
