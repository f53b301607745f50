// `verdict sql "<query>"`: the user's own read-only SQL, printed as a table or JSON lines.
import type { VerdictConfig } from '../../store/config.js';
import { openStore } from '../../store/store.js';
import { applySchema } from '../../schema/apply-schema.js';
import { runReadOnlySql, type SqlResult } from '../../queries/read-only-sql.js';
import { callApi, chooseTarget } from '../api-target.js';
import { renderJsonLines, renderTable } from '../table-output.js';
import { UsageError } from '../errors.js';

export async function sql(query: string | undefined, opts: { json: boolean; api?: string; config: VerdictConfig }): Promise<number> {
  if (!query) throw new UsageError('usage: verdict sql "<query>" [--json] [--api URL]');
  const target = await chooseTarget(opts.api, opts.config);
  let result: SqlResult;
  if (target.kind === 'api') {
    result = await callApi<SqlResult>(target.url, '/api/sql', { method: 'POST', body: { query } });
  } else {
    const store = openStore(target.config);
    try {
      await applySchema(store.client);
      result = await runReadOnlySql(store.readOnlyClient, query);
    } finally {
      await store.close();
    }
  }
  process.stdout.write(opts.json ? renderJsonLines(result.rows) : renderTable(result.columns.map((c) => c.name), result.rows));
  return 0;
}
