// `verdict score --scorer ./relevance.mjs [--filter …] [--since 7d] [--sample 0.1]`: runs scorers
// over stored traces, offline, on the data folder (or ClickHouse server) itself; each trace is
// scored once per scorer version (a second run skips what the first stored). A running collector
// scores new traces itself with `verdict serve --scorer`.
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { filterSql, scopeSql } from '../../queries/cohort.js';
import { parseTimeRange } from '../../queries/time-range.js';
import { loadScorer } from '../../quality/scorer.js';
import { scoreStored } from '../../quality/scoring.js';
import { loadConfig } from '../../store/config.js';
import { claimDataDir } from '../../store/data-dir-claim.js';
import { withLocalStore } from '../ask.js';
import { UsageError } from '../errors.js';
import { READ_SETTINGS, settingFlags, settingOptions } from '../flags.js';
import { startProgress } from '../progress.js';
import { chooseTarget } from '../target.js';

export function scoreCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('score').description('Score stored traces with code scorers (results are feedback from source CODE)').exitOverride();
  command.addOption(new Option('--scorer <module...>', 'a scorer module (.mjs/.js exporting a function), or builtin:output-present | answer-length | expected-match | tool-errors').makeOptionMandatory());
  command.addOption(new Option('--filter <filter>', "which traces, in Verdict's filter language"));
  command.addOption(new Option('--service <name>', 'only this service'));
  command.addOption(new Option('--env <name>', 'only this environment'));
  command.addOption(new Option('--since <time>', 'only traces since: ISO 8601, epoch ms, or an age such as 7d'));
  command.addOption(new Option('--sample <share>', 'score a deterministic share of the traces, 0 < share ≤ 1').argParser(Number));
  command.addOption(new Option('--timeout-ms <ms>', 'per scorer call; longer records a timeout error').argParser(Number).default(30_000));
  command.addOption(new Option('--json', 'machine-readable output'));
  for (const option of settingOptions(READ_SETTINGS)) command.addOption(option);
  command.action(async () => {
    const o = command.opts();
    const sample = o.sample as number | undefined;
    if (sample !== undefined && !(sample > 0 && sample <= 1)) throw new UsageError('--sample must be a share between 0 (excluded) and 1');
    const config = loadConfig(process.env, settingFlags(o));
    const target = await chooseTarget(undefined, config);
    if (target.kind === 'api') throw new UsageError(`a collector runs on ${resolve(config.dataDir)}: score new traces with \`verdict serve --scorer\`, or stop it to score stored ones`);
    const scorers = await Promise.all((o.scorer as string[]).map(loadScorer));
    const scope = scopeSql({ service: o.service as string | undefined, environment: o.env as string | undefined, range: parseTimeRange(o.since as string | undefined, undefined) });
    const filter = filterSql(o.filter as string | undefined, scope);
    const claim = config.clickhouseUrl ? undefined : claimDataDir(resolve(config.dataDir));
    try {
      const result = await withLocalStore(config, async (store) => {
        let progress: ReturnType<typeof startProgress> | undefined;
        const r = await scoreStored(store.client, scorers, { where: `${scope.sql} AND (${filter.sql})`, params: { ...scope.params, ...filter.params }, sample }, {
          timeoutMs: o.timeoutMs as number,
          onProgress: (done, total) => {
            progress ??= startProgress('scoring', total, { unit: 'traces' });
            progress.update(done);
          },
        });
        progress?.stop();
        return r;
      });
      if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${result.traces} traces: ${result.scored} scored, ${result.errors} scorer errors, ${result.skipped} already scored\n`);
      setExitCode(0);
    } finally {
      claim?.release();
    }
  });
  return command;
}
