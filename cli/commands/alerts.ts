// `verdict alerts`: regression alerts, newest first, from a running collector or from the data
// directory (episodes live in the store). `--check` asks a running collector's watcher to look now.
import { Command, Option } from 'commander';
import { readAlerts, type Alert } from '../../alerts/episodes.js';
import { withLocalStore } from '../ask.js';
import { UsageError } from '../errors.js';
import { percent, renderJsonLines, renderTable, terminalOutput, time } from '../format.js';
import { reachOf, readingOptions } from '../question-command.js';
import { callApi, chooseTarget } from '../target.js';

const value = (metric: string, v: number) => (metric === 'errorRate' ? percent(v) : v.toFixed(1));

export function alertsCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('alerts')
    .description('Regression alerts: a version compared with its baseline by the watcher in verdict serve')
    .addOption(new Option('--state <state>', 'only firing or resolved alerts').choices(['firing', 'resolved']))
    .option('--service <name>', 'one service')
    .option('--check', 'ask the running collector to look now (then list)');
  for (const option of readingOptions()) command.addOption(option);
  command.addHelpText('after', '\nExample:\n  verdict alerts --state firing\n');
  command.action(async () => {
    const o = command.opts();
    const reach = reachOf(o);
    const target = await chooseTarget(reach.api, reach.config);
    if (o.check) {
      if (target.kind !== 'api') throw new UsageError('--check needs a running collector (its watcher looks); none owns this data directory');
      await callApi(target.url, '/api/alerts/check', { method: 'POST' });
    }
    const q = new URLSearchParams();
    if (o.state) q.set('state', String(o.state));
    if (o.service) q.set('service', String(o.service));
    const filter = { state: o.state as 'firing' | 'resolved' | undefined, service: o.service as string | undefined };
    const { alerts } = target.kind === 'api'
      ? await callApi<{ alerts: Alert[] }>(target.url, `/api/alerts?${q}`)
      : await withLocalStore(target.config, async (store) => ({ alerts: await readAlerts(store.client, filter) }));
    if (o.json) process.stdout.write(renderJsonLines(alerts));
    else {
      const rows = alerts.map((a) => ({
        state: a.state,
        opened: time(a.openedAt),
        service: a.service,
        environment: a.environment,
        version: a.version,
        metric: a.metric,
        candidate: value(a.metric, a.candidateValue),
        baseline: `${value(a.metric, a.baselineValue)} (${a.baseline})`,
        rollback_to: a.rollbackTo ? `${a.rollbackTo.version}${a.rollbackTo.commit ? ` @${a.rollbackTo.commit.slice(0, 12)}` : ''}` : '',
        resolved: a.resolvedAt ? `${time(a.resolvedAt)} (${a.resolvedBecause?.replace(/_/g, ' ')})` : '',
      }));
      process.stdout.write(renderTable(['state', 'opened', 'service', 'environment', 'version', 'metric', 'candidate', 'baseline', 'rollback_to', 'resolved'], rows, terminalOutput(process.stdout, process.env, o.color !== false)));
    }
    setExitCode(0);
  });
  return command;
}
