// The question endpoints of the query API (/api/versions, /api/compare, …) and their OpenAPI
// document, all from one table: each route's query-string parameters are declared once and become
// the fastify validation schema (a bad value is a 400 naming the parameter), the OpenAPI
// parameters, and — through cli/question-client.ts, which calls these same routes in-process when
// no collector runs — the CLI's behaviour too.
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { compare } from '../queries/compare.js';
import { deployments } from '../queries/deployments.js';
import { errorRate } from '../queries/error-rate.js';
import { errors } from '../queries/errors.js';
import { FilterSyntaxError } from '../queries/filter-parser.js';
import { latency } from '../queries/latency.js';
import { QueryInputError } from '../queries/run-query.js';
import { search, MAX_SEARCH_LIMIT } from '../queries/search.js';
import { session, sessions } from '../queries/sessions.js';
import { BUCKET_SECONDS, parseTimeRange } from '../queries/time-range.js';
import { timeseries } from '../queries/timeseries.js';
import { trace } from '../queries/trace.js';
import { versions } from '../queries/versions.js';

export interface QueryRoutesOptions {
  client: ClickHouseClient;
}

export interface ParamSpec {
  type: 'string' | 'integer' | 'number' | 'boolean';
  description: string;
  enum?: readonly (string | number)[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

type Query = Record<string, unknown>;

export interface RouteSpec {
  path: string;
  summary: string;
  description: string;
  query: Record<string, ParamSpec>;
  pathParams?: Record<string, ParamSpec>;
  /** null answers 404 with `notFound`. */
  run(client: ClickHouseClient, q: Query, params: Record<string, string>): Promise<unknown>;
  notFound?: string;
}

const scope = {
  service: { type: 'string', description: 'Service name (resource attribute service.name).' },
  env: { type: 'string', description: 'Deployment environment (e.g. production).' },
  from: { type: 'string', description: 'Start of the range: ISO 8601, epoch milliseconds, "now" or an age such as 30d, 12h, 15m.' },
  to: { type: 'string', description: 'End of the range (exclusive), same forms as from.' },
} as const satisfies Record<string, ParamSpec>;

const filterParam = {
  type: 'string',
  description: "A filter in Verdict's filter language (MLflow search_traces syntax and more), e.g. tags.environment = 'production' AND attributes.status = 'ERROR'.",
} as const satisfies ParamSpec;

const str = (q: Query, k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
const numOf = (q: Query, k: string) => (q[k] === undefined ? undefined : Number(q[k]));
const listOf = (q: Query, k: string) => str(q, k)?.split(',').map((s) => s.trim()).filter(Boolean);
const scopeOf = (q: Query) => ({ service: str(q, 'service'), environment: str(q, 'env'), range: parseTimeRange(str(q, 'from'), str(q, 'to')) });

export const ROUTES: RouteSpec[] = [
  {
    path: '/api/versions',
    summary: 'Versions of each service and environment',
    description: 'Each version with first/last seen, git commits, requests, error rate, latency quantiles, spans and tokens per request. From the rollups; from raw spans when a filter is given.',
    query: { ...scope, filter: filterParam },
    run: (client, q) => versions(client, { ...scopeOf(q), filter: str(q, 'filter') }),
  },
  {
    path: '/api/compare',
    summary: 'Is the candidate better or worse than the baseline?',
    description:
      'Each side is a version, a filter, or both. Per side: requests, errors, error rate, latency p50/p90/p95/p99, tokens and spans per request. Per metric: delta, 95 % interval, p-value and a verdict (better, worse, no_significant_difference, insufficient_data).',
    query: {
      ...scope,
      baseline: { type: 'string', description: 'Baseline version.' },
      candidate: { type: 'string', description: 'Candidate version.' },
      baselineFilter: { ...filterParam, description: 'Filter selecting the baseline requests (with or instead of baseline).' },
      candidateFilter: { ...filterParam, description: 'Filter selecting the candidate requests (with or instead of candidate).' },
      by: { type: 'string', description: 'Break down by name (request span name), model (gen_ai.request.model) or any attribute key.' },
      byLimit: { type: 'integer', minimum: 1, maximum: 200, description: 'Largest number of breakdown groups (default 20).' },
      align: { type: 'boolean', description: 'Compare only the minutes in which both sides had requests.' },
      alpha: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Significance level (default 0.05).' },
      minRequests: { type: 'integer', minimum: 1, description: 'Requests each side needs for a verdict (default 100).' },
      minErrorRateDelta: { type: 'number', minimum: 0, description: 'Smallest error-rate change that matters, absolute (default 0.003 = 0.3 points).' },
      minLatencyChange: { type: 'number', minimum: 0, description: 'Smallest latency change that matters, relative (default 0.1 = 10 %).' },
      minTokenChange: { type: 'number', minimum: 0, description: 'Smallest tokens-per-request change that matters, relative (default 0.1).' },
      minSpanChange: { type: 'number', minimum: 0, description: 'Smallest spans-per-request change that matters, relative (default 0.2).' },
    },
    run: (client, q) => {
      const s = scopeOf(q);
      return compare(client, {
        service: s.service,
        environment: s.environment,
        range: s.range,
        baseline: { version: str(q, 'baseline'), filter: str(q, 'baselineFilter') },
        candidate: { version: str(q, 'candidate'), filter: str(q, 'candidateFilter') },
        by: str(q, 'by'),
        byLimit: numOf(q, 'byLimit'),
        align: q.align === true,
        alpha: numOf(q, 'alpha'),
        minRequests: numOf(q, 'minRequests'),
        thresholds: {
          minErrorRateDelta: numOf(q, 'minErrorRateDelta'),
          minLatencyChange: numOf(q, 'minLatencyChange'),
          minTokenChange: numOf(q, 'minTokenChange'),
          minSpanChange: numOf(q, 'minSpanChange'),
        },
      });
    },
  },
  {
    path: '/api/errors',
    summary: 'Top errors per version, and errors new in a candidate',
    description: 'Failed spans grouped by version, span name and message pattern. With baseline and candidate: the candidate\'s error groups with their baseline counts, the new ones first.',
    query: {
      ...scope,
      version: { type: 'string', description: 'Only this version.' },
      baseline: { type: 'string', description: 'With candidate: the version to find new errors against.' },
      candidate: { type: 'string', description: 'With baseline: the version whose new errors to find.' },
      limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Groups per version (default 20).' },
    },
    run: (client, q) =>
      errors(client, { ...scopeOf(q), version: str(q, 'version'), baseline: str(q, 'baseline'), candidate: str(q, 'candidate'), limit: numOf(q, 'limit') }),
  },
  {
    path: '/api/error-rate',
    summary: 'Error rate over time per version',
    description: 'Requests, errors and error rate per version and time bucket (automatic size: at most about 200 buckets).',
    query: {
      ...scope,
      versions: { type: 'string', description: 'Comma-separated versions to include (all when absent).' },
      bucket: { type: 'integer', enum: BUCKET_SECONDS, description: 'Bucket size in seconds.' },
      filter: filterParam,
    },
    run: (client, q) => errorRate(client, { ...scopeOf(q), versions: listOf(q, 'versions'), bucketSeconds: numOf(q, 'bucket'), filter: str(q, 'filter') }),
  },
  {
    path: '/api/timeseries',
    summary: 'Requests, error rate and latency over time per version',
    description: 'Per service, environment and version: requests, errors, error rate and request latency p50/p95 per time bucket (automatic size: at most about 200 buckets). From the rollups.',
    query: { ...scope, bucket: { type: 'integer', enum: BUCKET_SECONDS, description: 'Bucket size in seconds.' } },
    run: (client, q) => timeseries(client, { ...scopeOf(q), bucketSeconds: numOf(q, 'bucket') }),
  },
  {
    path: '/api/latency',
    summary: 'Latency distribution per version',
    description: 'Request-latency histogram per version on shared log-spaced buckets, with exact quantiles.',
    query: {
      ...scope,
      versions: { type: 'string', description: 'Comma-separated versions to include (all when absent).' },
      bucketsPerDecade: { type: 'integer', minimum: 1, maximum: 100, description: 'Histogram buckets per factor of ten (default 10).' },
      filter: filterParam,
    },
    run: (client, q) => latency(client, { ...scopeOf(q), versions: listOf(q, 'versions'), bucketsPerDecade: numOf(q, 'bucketsPerDecade'), filter: str(q, 'filter') }),
  },
  {
    path: '/api/deployments',
    summary: 'Deployment history per service and environment',
    description: 'Versions with first/last seen and commits, live versions, eras of the dominant version, rollouts, rollbacks and overlapping versions (canaries).',
    query: {
      ...scope,
      bucket: { type: 'integer', enum: BUCKET_SECONDS, description: 'Bucket size in seconds (automatic by default).' },
      liveWindow: { type: 'integer', minimum: 60, description: 'A version seen within this many seconds of the environment\'s latest span is live.' },
      minShare: { type: 'number', minimum: 0, maximum: 1, description: 'Share of a bucket\'s requests a version needs to count as overlapping (default 0.01).' },
    },
    run: (client, q) =>
      deployments(client, { ...scopeOf(q), bucketSeconds: numOf(q, 'bucket'), liveWindowSeconds: numOf(q, 'liveWindow'), minShare: numOf(q, 'minShare') }),
  },
  {
    path: '/api/sessions',
    summary: 'Sessions, most recently active first',
    description: 'Per session: turns (requests), errors, first/last seen, duration, users, versions.',
    query: {
      ...scope,
      version: { type: 'string', description: 'Only requests of this version.' },
      filter: filterParam,
      limit: { type: 'integer', minimum: 1, maximum: 10_000, description: 'Sessions to return (default 100).' },
    },
    run: (client, q) => sessions(client, { ...scopeOf(q), version: str(q, 'version'), filter: str(q, 'filter'), limit: numOf(q, 'limit') }),
  },
  {
    path: '/api/sessions/:id',
    summary: "One session's requests in order",
    description: 'The session\'s requests (turns) in time order, each with its trace\'s span count and tokens.',
    query: { limit: { type: 'integer', minimum: 1, maximum: 10_000, description: 'Turns to return (default 1000).' } },
    pathParams: { id: { type: 'string', description: 'Session id.' } },
    run: (client, q, p) => session(client, p.id, { limit: numOf(q, 'limit') }),
    notFound: 'no requests carry this session id',
  },
  {
    path: '/api/traces',
    summary: 'Search traces with a filter',
    description: 'Requests (one per trace) matching the filter, newest first; pass nextCursor back as cursor for the next page.',
    query: {
      ...scope,
      filter: filterParam,
      limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, description: 'Traces per page (default 100).' },
      cursor: { type: 'string', description: 'nextCursor of the previous page.' },
    },
    run: (client, q) => search(client, { ...scopeOf(q), filter: str(q, 'filter'), limit: numOf(q, 'limit'), cursor: str(q, 'cursor') }),
  },
  {
    path: '/api/traces/:traceId',
    summary: 'One trace as a tree of spans',
    description: 'All spans of the trace, children under their parents in start order, with attributes, events and links.',
    query: {},
    pathParams: { traceId: { type: 'string', description: 'Trace id: 32 hexadecimal digits (an MLflow "tr-" prefix is accepted).' } },
    run: (client, _q, p) => trace(client, p.traceId),
    notFound: 'no spans with this trace id',
  },
];

function jsonSchema(params: Record<string, ParamSpec>) {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(params)) {
    const { description: _d, ...rest } = spec;
    properties[name] = { ...rest };
  }
  return { type: 'object', properties, additionalProperties: false };
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const queryRoutes: FastifyPluginAsync<QueryRoutesOptions> = async (app: FastifyInstance, options) => {
  // Encapsulated in this plugin: the answers of these routes only.
  app.setErrorHandler(async (err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message, statusCode: err.statusCode, ...err.extra });
    if (err instanceof FilterSyntaxError) {
      return reply.code(400).send({ error: err.message, statusCode: 400, code: err.code, position: err.position, expected: err.expected });
    }
    if (err instanceof QueryInputError) return reply.code(400).send({ error: err.message, statusCode: 400, code: err.code });
    const status = err.statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'question failed');
    return reply.code(status).send({ error: err.message, statusCode: status });
  });

  for (const route of ROUTES) {
    const known = new Set(Object.keys(route.query));
    app.get(
      route.path,
      {
        schema: {
          querystring: jsonSchema(route.query),
          ...(route.pathParams ? { params: { ...jsonSchema(route.pathParams), required: Object.keys(route.pathParams) } } : {}),
        },
        // fastify drops unknown query parameters silently; a typo (enviroment=) should be an error.
        preValidation: async (request) => {
          const unknown = Object.keys(request.query as object).filter((k) => !known.has(k));
          if (unknown.length > 0) {
            const expected = known.size > 0 ? `; expected ${[...known].join(', ')}` : '; this route takes none';
            throw new HttpError(400, `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${expected}`);
          }
        },
      },
      async (request) => {
        const result = await route.run(options.client, request.query as Query, (request.params ?? {}) as Record<string, string>);
        if (result === null) throw new HttpError(404, route.notFound ?? 'not found');
        return result;
      },
    );
  }

  app.get('/api/openapi.json', async () => openApiDocument());
};

/** The OpenAPI 3.0 document of the question routes and /api/sql, built from ROUTES. */
export function openApiDocument(): Record<string, unknown> {
  const errorSchema = {
    type: 'object',
    properties: {
      error: { type: 'string' },
      statusCode: { type: 'integer' },
      code: { type: 'string' },
      position: { type: 'integer', description: 'Filter errors: 0-based character position.' },
      expected: { type: 'string', description: 'Filter errors: what was expected there.' },
    },
    required: ['error', 'statusCode'],
  };
  const paths: Record<string, unknown> = {};
  for (const route of ROUTES) {
    const parameters = [
      ...Object.entries(route.pathParams ?? {}).map(([name, spec]) => ({ name, in: 'path', required: true, description: spec.description, schema: schemaOf(spec) })),
      ...Object.entries(route.query).map(([name, spec]) => ({ name, in: 'query', required: false, description: spec.description, schema: schemaOf(spec) })),
    ];
    const responses: Record<string, unknown> = {
      200: { description: 'The answer.', content: { 'application/json': { schema: route.path === '/api/compare' ? COMPARE_SCHEMA : { type: 'object' } } } },
      400: { description: 'A parameter or filter is invalid; the message names it.', content: { 'application/json': { schema: errorSchema } } },
    };
    if (route.notFound) responses[404] = { description: route.notFound, content: { 'application/json': { schema: errorSchema } } };
    paths[route.path.replace(/:(\w+)/g, '{$1}')] = { get: { summary: route.summary, description: route.description, parameters, responses } };
  }
  paths['/api/sql'] = {
    get: {
      summary: 'Read-only SQL',
      description: 'Runs one read-only ClickHouse query (the engine refuses writes, DDL, file()/url() and settings that lift that). Also POST with {"query": "..."}.',
      parameters: [{ name: 'query', in: 'query', required: true, schema: { type: 'string' } }],
      responses: { 200: { description: 'columns and rows', content: { 'application/json': { schema: { type: 'object' } } } }, 400: { description: 'The query failed.' } },
    },
  };
  return {
    openapi: '3.0.3',
    info: { title: 'Verdict query API', version: '1', description: 'Is version B of your app better or worse than version A? See docs/queries.md.' },
    paths,
  };
}

function schemaOf(spec: ParamSpec): Record<string, unknown> {
  const { description: _d, exclusiveMinimum, exclusiveMaximum, ...rest } = spec;
  // OpenAPI 3.0 spells exclusive bounds as booleans beside minimum/maximum.
  return {
    ...rest,
    ...(exclusiveMinimum !== undefined ? { minimum: exclusiveMinimum, exclusiveMinimum: true } : {}),
    ...(exclusiveMaximum !== undefined ? { maximum: exclusiveMaximum, exclusiveMaximum: true } : {}),
  };
}

const nullableNumber = { type: 'number', nullable: true };
const SIDE_SCHEMA = {
  type: 'object',
  properties: {
    label: { type: 'string' },
    version: { type: 'string', nullable: true },
    filter: { type: 'string', nullable: true },
    requests: { type: 'integer' },
    errors: { type: 'integer' },
    errorRate: nullableNumber,
    latencyMs: {
      type: 'object',
      nullable: true,
      properties: { p50: { type: 'number' }, p90: { type: 'number' }, p95: { type: 'number' }, p99: { type: 'number' }, mean: { type: 'number' } },
    },
    inputTokensPerRequest: nullableNumber,
    outputTokensPerRequest: nullableNumber,
    spansPerRequest: nullableNumber,
    firstSeen: { type: 'string', nullable: true, format: 'date-time' },
    lastSeen: { type: 'string', nullable: true, format: 'date-time' },
  },
};
const METRIC_SCHEMA = {
  type: 'object',
  properties: {
    name: {
      type: 'string',
      enum: ['errorRate', 'latencyP50', 'latencyP90', 'latencyP95', 'latencyP99', 'inputTokensPerRequest', 'outputTokensPerRequest', 'spansPerRequest'],
    },
    unit: { type: 'string', enum: ['ratio', 'ms', 'tokens', 'spans'] },
    baseline: nullableNumber,
    candidate: nullableNumber,
    delta: nullableNumber,
    relativeDelta: nullableNumber,
    ciLow: nullableNumber,
    ciHigh: nullableNumber,
    pValue: nullableNumber,
    test: { type: 'string' },
    minChange: nullableNumber,
    verdict: { type: 'string', enum: ['better', 'worse', 'no_significant_difference', 'insufficient_data'] },
  },
};
const COMPARE_SCHEMA = {
  type: 'object',
  properties: {
    service: { type: 'string', nullable: true },
    environment: { type: 'string', nullable: true },
    window: { type: 'object', properties: { from: { type: 'string', nullable: true }, to: { type: 'string', nullable: true }, aligned: { type: 'boolean' } } },
    baseline: SIDE_SCHEMA,
    candidate: SIDE_SCHEMA,
    metrics: { type: 'array', items: METRIC_SCHEMA },
    warnings: { type: 'array', items: { type: 'string' } },
    regression: { type: 'boolean' },
    sampling: { type: 'object' },
    breakdown: { type: 'object' },
  },
  required: ['baseline', 'candidate', 'metrics', 'warnings', 'regression'],
};
