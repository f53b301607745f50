// An assessment of a trace, as Verdict stores it (verdict_assessments, migration 031), and the two
// shapes clients send it in: MLflow's assessment (feedback or expectation, a typed value, a source
// HUMAN / LLM_JUDGE / CODE) and Langfuse's score (traceId, name, value, dataType). Bad input is an
// AssessmentInputError naming the field, so the API answers 400 and the importer reports the line.
import { randomUUID } from 'node:crypto';

export const SOURCE_TYPES = ['HUMAN', 'LLM_JUDGE', 'CODE'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];
export const KINDS = ['feedback', 'expectation'] as const;
export type AssessmentKind = (typeof KINDS)[number];
export type ValueType = 'number' | 'boolean' | 'string' | 'json' | 'none';

/** One row of verdict_assessments, ready for a JSONEachRow insert. */
export interface AssessmentRow {
  AssessmentId: string;
  TraceId: string;
  SpanId: string;
  Name: string;
  Kind: AssessmentKind;
  ValueType: ValueType;
  Score: number | null;
  Label: string;
  /** The value as JSON, as given. */
  Value: string;
  SourceType: SourceType;
  SourceId: string;
  Rationale: string;
  Metadata: Record<string, string>;
  Error: string;
  Origin: 'api' | 'import' | 'scorer';
  /** `YYYY-MM-DD hh:mm:ss.sss` UTC: when it was assessed; the latest of a (trace, name, kind, source) wins. */
  Timestamp: string;
}

export class AssessmentInputError extends Error {
  readonly code = 'ASSESSMENT_INVALID';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'AssessmentInputError';
  }
}

const MAX_NAME = 256;
const MAX_TEXT = 65_536;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, key: string, at: string, options: { required?: boolean; max?: number } = {}): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') {
    if (options.required) throw new AssessmentInputError(`${at}${key}`, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw new AssessmentInputError(`${at}${key}`, `must be a string, not ${typeof v}`);
  if (v.length > (options.max ?? MAX_TEXT)) throw new AssessmentInputError(`${at}${key}`, `is longer than ${options.max ?? MAX_TEXT} characters`);
  return v;
}

/** OTel trace ids are 32 hex digits; MLflow writes them as `tr-<hex>`. Other ids are kept as given. */
export function normalizeTraceId(id: string, field: string): string {
  const bare = /^tr-[0-9a-fA-F]{32}$/.test(id) ? id.slice(3) : id;
  if (/^[0-9a-fA-F]{32}$/.test(bare)) return bare.toLowerCase();
  if (bare.length > MAX_NAME || /\s/.test(bare)) throw new AssessmentInputError(field, 'is not a trace id (32 hex digits, or tr-<32 hex digits>)');
  return bare;
}

function timestampOf(v: unknown, field: string): string {
  if (v === undefined || v === null || v === '') return formatTimestamp(Date.now());
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? (/^\d+$/.test(v) ? Number(v) : Date.parse(v)) : NaN;
  if (!Number.isFinite(ms) || ms < 0) throw new AssessmentInputError(field, 'must be an ISO 8601 time or epoch milliseconds');
  return formatTimestamp(ms);
}

export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function metadataOf(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new AssessmentInputError(field, 'must be an object');
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}

/** A value's type and its stored forms: a number or boolean is also a score (true = 1), a string a label. */
export function typedValue(value: unknown, field: string): Pick<AssessmentRow, 'ValueType' | 'Score' | 'Label' | 'Value'> {
  if (value === undefined || value === null) return { ValueType: 'none', Score: null, Label: '', Value: 'null' };
  if (typeof value === 'boolean') return { ValueType: 'boolean', Score: value ? 1 : 0, Label: String(value), Value: String(value) };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AssessmentInputError(field, 'must be a finite number');
    return { ValueType: 'number', Score: value, Label: '', Value: JSON.stringify(value) };
  }
  if (typeof value === 'string') {
    if (value.length > MAX_TEXT) throw new AssessmentInputError(field, `is longer than ${MAX_TEXT} characters`);
    return { ValueType: 'string', Score: null, Label: value, Value: JSON.stringify(value) };
  }
  const json = JSON.stringify(value);
  if (json.length > MAX_TEXT) throw new AssessmentInputError(field, `is longer than ${MAX_TEXT} characters as JSON`);
  return { ValueType: 'json', Score: null, Label: '', Value: json };
}

function errorOf(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (isObj(v)) return [v.error_code, v.error_message].filter((x) => typeof x === 'string' && x !== '').join(': ') || JSON.stringify(v);
  throw new AssessmentInputError(field, 'must be a string or { error_code, error_message }');
}

/** MLflow's assessment: `{ trace_id, assessment_name | name, source, feedback | expectation | value, … }`. */
function fromMlflow(o: Obj, at: string, origin: AssessmentRow['Origin']): AssessmentRow {
  const name = str(o, 'assessment_name', at, { max: MAX_NAME }) ?? str(o, 'name', at, { required: true, max: MAX_NAME })!;
  const traceId = normalizeTraceId(str(o, 'trace_id', at, { required: true })!, `${at}trace_id`);
  let kind: AssessmentKind;
  let body: Obj;
  if (isObj(o.feedback)) [kind, body] = ['feedback', o.feedback];
  else if (isObj(o.expectation)) [kind, body] = ['expectation', o.expectation];
  else {
    const k = o.kind ?? 'feedback';
    if (k !== 'feedback' && k !== 'expectation') throw new AssessmentInputError(`${at}kind`, 'must be feedback or expectation');
    [kind, body] = [k, o];
  }
  const valueField = body === o ? `${at}value` : `${at}${kind}.value`;
  const error = errorOf(body.error ?? o.error, `${at}error`);
  if (!('value' in body) && error === '') throw new AssessmentInputError(valueField, 'is required (or an error)');
  const source = o.source === undefined ? {} : o.source;
  if (!isObj(source)) throw new AssessmentInputError(`${at}source`, 'must be an object { source_type, source_id }');
  const sourceType = (source.source_type ?? o.source_type ?? 'HUMAN') as string;
  if (!(SOURCE_TYPES as readonly string[]).includes(sourceType)) {
    throw new AssessmentInputError(`${at}source.source_type`, `must be one of ${SOURCE_TYPES.join(', ')}`);
  }
  return {
    AssessmentId: str(o, 'assessment_id', at, { max: MAX_NAME }) ?? str(o, 'id', at, { max: MAX_NAME }) ?? randomUUID(),
    TraceId: traceId,
    SpanId: str(o, 'span_id', at, { max: MAX_NAME }) ?? '',
    Name: name,
    Kind: kind,
    ...typedValue(body.value, valueField),
    SourceType: sourceType as SourceType,
    SourceId: str(source, 'source_id', `${at}source.`, { max: MAX_NAME }) ?? str(o, 'source_id', at, { max: MAX_NAME }) ?? '',
    Rationale: str(o, 'rationale', at) ?? '',
    Metadata: metadataOf(o.metadata, `${at}metadata`),
    Error: error,
    Origin: origin,
    Timestamp: timestampOf(o.create_time ?? o.last_update_time ?? o.timestamp, `${at}create_time`),
  };
}

const LANGFUSE_SOURCES: Record<string, SourceType> = { ANNOTATION: 'HUMAN', API: 'HUMAN', EVAL: 'LLM_JUDGE' };

/** Langfuse's score: `{ traceId, name, value, dataType?, comment?, observationId?, id? }`. */
function fromLangfuse(o: Obj, at: string, origin: AssessmentRow['Origin']): AssessmentRow {
  const name = str(o, 'name', at, { required: true, max: MAX_NAME })!;
  const traceId = normalizeTraceId(str(o, 'traceId', at, { required: true })!, `${at}traceId`);
  const dataType = o.dataType ?? (typeof o.value === 'string' ? 'CATEGORICAL' : 'NUMERIC');
  let value: unknown = o.value;
  if (value === undefined || value === null) throw new AssessmentInputError(`${at}value`, 'is required');
  if (dataType === 'BOOLEAN') {
    if (value !== 0 && value !== 1 && value !== true && value !== false) throw new AssessmentInputError(`${at}value`, 'must be 0, 1, true or false for dataType BOOLEAN');
    value = value === 1 || value === true;
  } else if (dataType === 'NUMERIC') {
    if (typeof value !== 'number') throw new AssessmentInputError(`${at}value`, 'must be a number for dataType NUMERIC');
  } else if (dataType === 'CATEGORICAL') {
    if (typeof value !== 'string') throw new AssessmentInputError(`${at}value`, 'must be a string for dataType CATEGORICAL');
  } else {
    throw new AssessmentInputError(`${at}dataType`, 'must be NUMERIC, BOOLEAN or CATEGORICAL');
  }
  const source = typeof o.source === 'string' ? o.source : 'API';
  return {
    AssessmentId: str(o, 'id', at, { max: MAX_NAME }) ?? randomUUID(),
    TraceId: traceId,
    SpanId: str(o, 'observationId', at, { max: MAX_NAME }) ?? '',
    Name: name,
    Kind: 'feedback',
    ...typedValue(value, `${at}value`),
    SourceType: LANGFUSE_SOURCES[source] ?? 'HUMAN',
    SourceId: `langfuse:${source}`,
    Rationale: str(o, 'comment', at) ?? '',
    Metadata: metadataOf(o.metadata, `${at}metadata`),
    Error: '',
    Origin: origin,
    Timestamp: timestampOf(o.timestamp, `${at}timestamp`),
  };
}

/** One assessment in either shape (Langfuse's is told apart by its camelCase traceId). */
export function parseAssessment(input: unknown, at = '', origin: AssessmentRow['Origin'] = 'api'): AssessmentRow {
  if (!isObj(input)) throw new AssessmentInputError(at || 'body', 'must be an object (an MLflow assessment or a Langfuse score)');
  return 'traceId' in input && !('trace_id' in input) ? fromLangfuse(input, at, origin) : fromMlflow(input, at, origin);
}

/** A request body: one assessment, a list, or `{ assessments: [...] }`. */
export function parseAssessments(body: unknown, origin: AssessmentRow['Origin'] = 'api'): AssessmentRow[] {
  const list = Array.isArray(body) ? body : isObj(body) && Array.isArray(body.assessments) ? body.assessments : [body];
  const prefix = Array.isArray(body) ? '' : isObj(body) && Array.isArray(body.assessments) ? 'assessments' : '';
  if (list.length === 0) throw new AssessmentInputError(prefix || 'body', 'holds no assessment');
  return list.map((item, i) => parseAssessment(item, list === body || prefix ? `${prefix}[${i}].` : '', origin));
}
