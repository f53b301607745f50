// The real client, counting the settle statements it is given: tests of when the settler settles
// (and in how many statements) count them instead of guessing from the rows.
import type { ClickHouseClient } from '@clickhouse/client';

/** Wraps `client`; `settles()` is how many settle statements (inserts into verdict_traces) went through it. */
export function countingSettles(client: ClickHouseClient): { client: ClickHouseClient; settles: () => number } {
  let n = 0;
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'command') return typeof value === 'function' ? value.bind(target) : value;
      return (params: { query: string }) => {
        if (/^INSERT INTO verdict_traces \(/m.test(params.query)) n++;
        return target.command(params as Parameters<ClickHouseClient['command']>[0]);
      };
    },
  });
  return { client: proxy, settles: () => n };
}
