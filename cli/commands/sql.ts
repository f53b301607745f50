// `verdict sql "<query>"`: the user's own read-only SQL, printed as a table or JSON lines, through
// the running collector's API or, with none running, on the data's read-only connection.
import { Command } from 'commander';
import { runReadOnlySql, type SqlResult } from '../../queries/read-only-sql.js';
import { withLocalStore } from '../ask.js';
import { UsageError } from '../errors.js';
import { renderJsonLines, renderTable, terminalOutput } from '../format.js';
import { reachOf, readingOptions } from '../question-command.js';
import { callApi, chooseTarget } from '../target.js';

export function sqlCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('sql')
    .description('Run one read-only SQL query against the stored spans')
    .argument('<query...>', 'the query (quote it)')
    .option('--param <name=value>', 'a value for {name:Type} in the query, as ClickHouse\'s --param_<name> (repeatable)', collectParam, {})
    .addHelpText(
      'after',
      '\nExamples:\n  verdict sql "SELECT AppVersion, Environment, count() FROM otel_traces GROUP BY 1, 2"\n' +
        '  verdict sql --param svc=chat-app "SELECT count() FROM otel_traces WHERE ServiceName = {svc:String}"\n',
    );
  for (const option of readingOptions()) command.addOption(option);
  command.action(async (words: string[]) => {
    const options = command.opts();
    const params = options.param as Record<string, string>;
    const query = words.join(' ').trim();
    if (!query) throw new UsageError('usage: verdict sql "<query>" [--json] [--api URL]');
    const reach = reachOf(options);
    const target = await chooseTarget(reach.api, reach.config);
    const result: SqlResult = target.kind === 'api'
      ? await callApi<SqlResult>(target.url, '/api/sql', { method: 'POST', body: { query, params } })
      : await withLocalStore(target.config, (store) => runReadOnlySql(store.userSql, { sql: query, params }));
    process.stdout.write(options.json ? renderJsonLines(result.rows) : renderTable(result.columns.map((c) => c.name), result.rows, terminalOutput(process.stdout, process.env, options.color !== false)));
    setExitCode(0);
  });
  return command;
}

/** `--param name=value`, repeated: the value is everything after the first `=` (it may hold more). */
function collectParam(pair: string, params: Record<string, string>): Record<string, string> {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param takes name=value, got ${JSON.stringify(pair)}`);
  return { ...params, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}
