// `verdict queue rejected list | retry <id...> | discard <id...>`: the durable queue's set-aside
// segments (batches the store refused, evidence of disk damage). Through the running collector's
// API when one owns the data directory, so its live queue moves them itself; with none, on the
// folder, claimed for as long as the command works so that no collector starts on it meanwhile.
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { discardRejected, listRejected, rejectedSegment, restoreRejected, type RejectedSegment } from '../../collector/queue/rejected-segments.js';
import { QUEUE_DIR } from '../../collector/queue/segment-format.js';
import type { VerdictConfig } from '../../store/config.js';
import { claimDataDir } from '../../store/data-dir-claim.js';
import { UsageError } from '../errors.js';
import { renderJsonLines, renderTable, time } from '../format.js';
import { reachOf, readingOptions } from '../question-command.js';
import { callApi, chooseTarget } from '../target.js';

interface Answer {
  segments: RejectedSegment[];
  bytes: number;
}

const answer = (segments: RejectedSegment[]): Answer => ({ segments, bytes: segments.reduce((n, s) => n + s.bytes, 0) });

/** Works on the queue folder itself, holding the data directory's claim meanwhile. */
function onFolder(config: VerdictConfig, work: (queueDir: string) => RejectedSegment[]): Answer {
  const dataDir = resolve(config.dataDir);
  const queueDir = join(dataDir, QUEUE_DIR);
  if (!existsSync(queueDir)) throw new UsageError(`${dataDir} holds no durable queue; pass the collector's --data-dir`);
  const claim = claimDataDir(dataDir);
  try {
    return answer(work(queueDir));
  } finally {
    claim.release();
  }
}

/** The ids to act on: all of them, or the ones named (every one must exist, or nothing is done). */
function chosen(queueDir: string, ids: string[], all: boolean): string[] {
  if (all) return listRejected(queueDir).map((s) => s.id);
  for (const id of ids) rejectedSegment(queueDir, id);
  return ids;
}

function print(result: Answer, json: boolean, what: string): void {
  if (json) {
    process.stdout.write(renderJsonLines(result.segments));
    return;
  }
  const rows = result.segments.map((s) => ({
    id: s.id,
    spans: s.rows,
    records: s.records,
    damaged_records: s.damagedRecords,
    size_bytes: s.bytes,
    set_aside_at: time(s.setAsideAt),
  }));
  process.stdout.write(renderTable(['id', 'spans', 'records', 'damaged_records', 'size_bytes', 'set_aside_at'], rows));
  process.stdout.write(`${what}: ${result.segments.length} segment(s), ${result.bytes} bytes on disk\n`);
}

function subcommand(name: string, description: string, setExitCode: (code: number) => void, run: (ids: string[], all: boolean, options: Record<string, unknown>) => Promise<{ result: Answer; what: string }>): Command {
  const command = new Command(name).description(description).exitOverride();
  for (const option of readingOptions()) command.addOption(option);
  if (name !== 'list') {
    command.argument('[ids...]', 'segment ids, as `verdict queue rejected list` shows them');
    command.addOption(new Option('--all', 'every set-aside segment'));
  }
  command.action(async (ids: string[] | Command) => {
    const options = command.opts();
    const named = Array.isArray(ids) ? ids : [];
    if (name !== 'list' && named.length === 0 && !options.all) throw new UsageError(`usage: verdict queue rejected ${name} <id...> | --all`);
    if (named.length > 0 && options.all) throw new UsageError('name segments or pass --all, not both');
    const { result, what } = await run(named, Boolean(options.all), options);
    print(result, Boolean(options.json), what);
    setExitCode(0);
  });
  return command;
}

export function queueCommand(setExitCode: (code: number) => void): Command {
  const rejected = new Command('rejected')
    .exitOverride()
    .description('Segments set aside in the queue (the store refused them, or their records were damaged on disk): list, retry, discard')
    .addHelpText('after', '\nThey hold acknowledged spans that are not stored, and count against --queue-max-bytes.\n\nExamples:\n  verdict queue rejected list\n  verdict queue rejected retry seg-000000000012-0f1e…\n  verdict queue rejected discard --all\n');
  rejected.addCommand(subcommand('list', 'List the set-aside segments, oldest first', setExitCode, async (_ids, _all, options) => {
    const reach = reachOf(options);
    const target = await chooseTarget(reach.api, reach.config);
    const result = target.kind === 'api' ? await callApi<Answer>(target.url, '/api/queue/rejected') : onFolder(target.config, (dir) => listRejected(dir));
    return { result, what: 'set aside' };
  }));
  for (const [verb, done, act] of [
    ['retry', 'queued again', (dir: string, id: string) => {
      const segment = rejectedSegment(dir, id);
      restoreRejected(dir, id);
      return segment;
    }],
    ['discard', 'discarded', (dir: string, id: string) => {
      const segment = rejectedSegment(dir, id);
      discardRejected(dir, id);
      return segment;
    }],
  ] as const) {
    const description = verb === 'retry'
      ? 'Put set-aside segments back into the queue, to be inserted again (at once by a running collector, else at its next start)'
      : 'Delete set-aside segments for good (their spans are lost)';
    rejected.addCommand(subcommand(verb, description, setExitCode, async (ids, all, options) => {
      const reach = reachOf(options);
      const target = await chooseTarget(reach.api, reach.config);
      if (target.kind === 'api') {
        const result = await callApi<Answer>(target.url, `/api/queue/rejected/${verb}`, { method: 'POST', body: all ? { all: true } : { ids } });
        return { result, what: done };
      }
      const result = onFolder(target.config, (dir) => chosen(dir, ids, all).map((id) => act(dir, id)));
      return { result, what: verb === 'retry' ? `${done} (inserted when a collector next starts on this folder)` : done };
    }));
  }
  return new Command('queue').description('The durable queue of a collector\'s data directory').addCommand(rejected);

}
