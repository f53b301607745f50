// Public API of `verdict/instrumentation`. Grouped by job: start-up, composing with an existing OTel set-up,
// context-scoped attributes, configuration helpers, feedback.

export { recordFeedback, FeedbackError, type FeedbackOptions } from './feedback.js';

export { startVerdict, type StartVerdictOptions, type VerdictInstrumentation } from './start.js';
export { registerVersion, REGISTER_SPAN_NAME, type RegisterVersionInfo } from './register-version.js';

export { verdictResource, detectResourceAttributes, type VerdictResourceOptions } from './resource-detector.js';
export {
  verdictSpanProcessor,
  contextAttributesSpanProcessor,
  type SpanExportStats,
  type VerdictSpanProcessor,
  type VerdictSpanProcessorOptions,
} from './span-processor.js';

export {
  withSession,
  withVersion,
  withAttributes,
  setActiveVersion,
  getActiveVersion,
  setTraceAttributes,
  currentAttributes,
  type SessionAttributes,
} from './context-attributes.js';

export {
  resolveExportConfig,
  createExporter,
  DEFAULT_OTLP_HTTP_TRACES_URL,
  DEFAULT_OTLP_GRPC_URL,
  type ExportConfig,
  type ExportOptions,
  type OtlpProtocol,
} from './exporter-from-env.js';
export {
  ATTR_APP_VERSION,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
  ATTR_VCS_REF_HEAD_NAME,
  ATTR_VCS_REF_HEAD_REVISION,
} from './attribute-keys.js';
export { InstrumentationError, type InstrumentationErrorCode } from './errors.js';
