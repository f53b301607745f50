// How a question is declared: its route, its parameters and its answer, each once, as JSON Schema
// (TypeBox). The API derives its route validation, response serialisation and OpenAPI from the
// declaration, the CLI derives its flags, and the TypeScript types are derived from the schemas.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static, type TLiteral, type TObject, type TProperties, type TSchema, type TUnion } from '@sinclair/typebox';
import { parseTimeRange, type TimeRange } from './time-range.js';

/** One question: `run` answers it; null means "not found" (the API answers 404 with `notFound`). */
export interface Question<P extends TObject = TObject, R extends TSchema = TSchema> {
  name: string;
  /** The API route; `:name` segments are path parameters, declared in `pathParams`. */
  path: string;
  summary: string;
  description: string;
  /** Query-string parameters (all optional unless the schema says otherwise). */
  params: P;
  pathParams?: TObject;
  response: R;
  notFound?: string;
  run(client: ClickHouseClient, params: Static<P>, path: Record<string, string>): Promise<Static<R> | null>;
}

/** Keeps the declaration's types while checking it has the Question shape. */
export function defineQuestion<P extends TObject, R extends TSchema>(question: Question<P, R>): Question<P, R> {
  return question;
}

/** Every question's answer objects are closed: a field not declared cannot leak out. */
export function answer<T extends TProperties>(properties: T, options: { description?: string } = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** One of a list of strings, typed as that union. */
export const oneOf = <T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Union(values.map((v) => Type.Literal(v)), options) as unknown as TUnion<TLiteral<T[number]>[]>;

export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Iso = (description?: string) => nullable(Type.String({ format: 'date-time', ...(description ? { description } : {}) }));

/** The parameters every question over a population takes: where and when. */
export const SCOPE_PARAMS = {
  service: Type.Optional(Type.String({ description: 'Service name (resource attribute service.name).' })),
  env: Type.Optional(Type.String({ description: 'Deployment environment (e.g. production).' })),
  from: Type.Optional(Type.String({ description: 'Start of the range: ISO 8601, epoch milliseconds, "now" or an age such as 30d, 12h, 15m.' })),
  to: Type.Optional(Type.String({ description: 'End of the range (exclusive), same forms as from.' })),
};

export const FILTER_PARAM = Type.Optional(
  Type.String({
    description: "A filter in Verdict's filter language (MLflow search_traces syntax and more), e.g. tags.environment = 'production' AND attributes.status = 'ERROR'.",
  }),
);

export const VERSIONS_PARAM = Type.Optional(Type.String({ description: 'Comma-separated versions to include (all when absent).' }));

type ScopeValues = { service?: string; env?: string; from?: string; to?: string };

/** Empty strings count as absent, as an empty query-string value means "not given". */
export const given = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

export function scopeOf(p: ScopeValues): { service?: string; environment?: string; range: TimeRange } {
  return { service: given(p.service), environment: given(p.env), range: parseTimeRange(given(p.from), given(p.to)) };
}

export function listOf(v: string | undefined): string[] | undefined {
  return given(v)?.split(',').map((s) => s.trim()).filter(Boolean);
}
