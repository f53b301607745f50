// Users' SQL under test: a query that keeps one core busy for minutes (under the rows-read limit),
// and the engine's own view of which users' queries are running.
import type { ClickHouseClient } from '@clickhouse/client';

/** Minutes of one core: far past any time limit a test sets, under the default rows-read limit. */
export const CPU_BOUND_QUERY = 'SELECT count() FROM numbers(900000000) WHERE NOT ignore(cityHash64(repeat(toString(number), 20)))';

/**
 * Users' queries in the engine's process list right now (they start with Verdict's marker), or only
 * those whose text contains `containing` and that are not an EXPLAIN: the sandbox's own checks
 * of a query (its parse, its EXPLAIN AST, which quotes the query) run under the marker too,
 * briefly, and are not the query itself.
 */
export async function runningUserQueries(writer: ClickHouseClient, containing = ''): Promise<number> {
  const result = await writer.query({
    // The EXPLAIN of the sandbox's check quotes the query whole: only the query itself counts.
    query: "SELECT count() AS n FROM system.processes WHERE startsWith(query, '/* verdict-user-sql') AND position(query, {containing:String}) > 0 AND NOT match(query, '^/[*] verdict-user-sql [^*]*[*]/\\s*EXPLAIN')",
    query_params: { containing },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: number | string }>();
  return Number(row.n);
}

/** Polls until `check` holds (the test's own timeout bounds it). */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}
