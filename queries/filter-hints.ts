// filterHints: why a filter matched no request, and what exists instead. Each condition of the filter
// is counted on its own in the scope; one that matches nothing is named, with the nearest values of its
// field (or, for an attribute no request carries, the nearest attribute keys). Asked by the CLI when a
// command's filter came back empty; one question, so it answers the same through the API and locally.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { scopeSql, type Scope } from './cohort.js';
import { compileFilterTree, fieldValues } from './filter-compiler.js';
import { parseFilter, type FilterNode, type Literal } from './filter-parser.js';
import { answer, defineQuestion, scopeOf, SCOPE_PARAMS } from './question.js';
import { num, queryRows, renderSql, type QueryParams } from './run-query.js';

export const FilterHintsSchema = answer({
  requests: Type.Integer({ description: 'Requests in the scope that match the whole filter.' }),
  hints: Type.Array(Type.String(), { description: 'When none match: which condition matched nothing, and the nearest values or keys that exist.' }),
});
export type FilterHints = Static<typeof FilterHintsSchema>;

type Leaf = Exclude<FilterNode, { kind: 'and' | 'or' | 'not' }>;

/** The conditions that must hold for a request to match: every leaf not under NOT and not a NOT IN / NOT LIKE. */
function positiveLeaves(node: FilterNode): Leaf[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.items.flatMap(positiveLeaves);
    case 'not':
      return [];
    case 'compare':
      return [node];
    default:
      return node.negated ? [] : [node];
  }
}

const quote = (l: Literal) => (l.type === 'string' ? `'${String(l.value).replace(/'/g, "\\'")}'` : String(l.value));

function describe(leaf: Leaf): string {
  if (leaf.kind === 'compare') return `${leaf.field.text} ${leaf.op} ${quote(leaf.value)}`;
  if (leaf.kind === 'in') return `${leaf.field.text} IN (${leaf.values.map(quote).join(', ')})`;
  return `${leaf.field.text} ${leaf.caseInsensitive ? 'ILIKE' : 'LIKE'} ${quote(leaf.pattern)}`;
}

/** The text the user was after: the literal of `=`, the first of IN, a LIKE pattern without its wildcards. */
function wanted(leaf: Leaf): string | undefined {
  if (leaf.kind === 'compare' && leaf.op !== '=') return undefined;
  const literal = leaf.kind === 'compare' ? leaf.value : leaf.kind === 'in' ? leaf.values[0] : leaf.pattern;
  if (literal?.type !== 'string') return undefined;
  return leaf.kind === 'like' ? String(literal.value).replace(/[%_]/g, '') : String(literal.value);
}

const list = (values: string[]) => values.map((v) => `'${v}'`).join(', ');

export async function filterHints(client: ClickHouseClient, filter: string, scope: Scope): Promise<FilterHints> {
  const tree = parseFilter(filter);
  const s = scopeSql(scope, 's_');
  // Traces (their facts, their request) or raw spans (their attributes), each with its own scope.
  const traces = { table: 'verdict_traces_live', scope: s.sql };
  const spans = { table: 'otel_traces', scope: s.spans };
  const count = async (rows: string, params: QueryParams = {}, where = traces) =>
    num((await queryRows(client, renderSql('filter-hints/count', { ...where, rows }), { ...s.params, ...params }))[0]?.n);

  const whole = compileFilterTree(tree, { spanScope: s.spans });
  const requests = await count(`Requests > 0 AND ${whole.sql}`, whole.params);
  if (requests > 0) return { requests, hints: [] };
  if ((await count('Requests > 0')) === 0) return { requests, hints: ['no requests at all in this scope (service, environment, time range): nothing for a filter to match'] };

  const hints: string[] = [];
  for (const leaf of positiveLeaves(tree).slice(0, 8)) {
    const one = compileFilterTree(leaf, { spanScope: s.spans });
    if ((await count(`Requests > 0 AND ${one.sql}`, one.params)) > 0) continue;
    const field = fieldValues(leaf.field);
    const target = wanted(leaf);
    // A fact or request field is read from the traces; an attribute from the raw spans that carry it.
    const where = field?.attribute || field?.anySpan ? spans : traces;
    const rows = where === traces ? 'Requests > 0' : field?.anySpan ? '1' : 'IsRequest = 1';
    if (field?.attribute) {
      const { key, maps } = field.attribute;
      const carried = maps.map((m) => `mapContains(${m}, {hint_key:String})`).join(' OR ');
      if ((await count(`${rows} AND (${carried})`, { hint_key: key }, where)) === 0) {
        const keys = maps.length === 1 ? `mapKeys(${maps[0]})` : `arrayConcat(${maps.map((m) => `mapKeys(${m})`).join(', ')})`;
        const near = await queryRows<{ key: string }>(client, renderSql('filter-hints/nearest-keys', { ...where, rows, keys }), { ...s.params, wanted: key });
        hints.push(`${describe(leaf)} matches no request: no ${field.anySpan ? 'span' : 'request'} has the attribute '${key}'${near.length ? `; nearest keys: ${list(near.map((r) => r.key))}` : ''}`);
        continue;
      }
    }
    if (field && target !== undefined) {
      const near = await queryRows<{ value: string }>(client, renderSql('filter-hints/nearest-values', { ...where, rows, value: field.value }), {
        ...s.params,
        wanted: target,
        ...(field.attribute ? { hint_key: field.attribute.key } : {}),
      });
      hints.push(`${describe(leaf)} matches no request${near.length ? `; nearest values of ${leaf.field.text}: ${list(near.map((r) => r.value))}` : `; ${leaf.field.text} is empty on every request here`}`);
      continue;
    }
    hints.push(`${describe(leaf)} matches no request`);
  }
  if (hints.length === 0) hints.push('each condition matches some requests, but no request matches the whole filter');
  return { requests, hints };
}

export const filterHintsQuestion = defineQuestion({
  name: 'filterHints',
  path: '/api/filter-hints',
  summary: 'Why a filter matches no request',
  description: 'How many requests of the scope match the filter; when none do, which condition matched nothing, with the nearest values of its field or the nearest attribute keys that exist.',
  params: Type.Object({ ...SCOPE_PARAMS, filter: Type.String({ minLength: 1, description: "A filter in Verdict's filter language." }) }),
  response: FilterHintsSchema,
  run: (client, p) => filterHints(client, p.filter, scopeOf(p)),
});
