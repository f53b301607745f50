// `verdict version …`: the registry from the command line. Writes (register, promote, archive,
// golden, note, policy) and reads (list, show, history, diff, events) go through a running
// collector's API, or, with none running, to the data directory itself (a write claims it first,
// as a collector would). Who made a change: the API key, else the CI actor or $USER.
import { Command, Option } from 'commander';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyChange, type Change } from '../../registry/changes.js';
import { diffRecords } from '../../registry/diff.js';
import { readEvents } from '../../registry/events.js';
import { historyOf } from '../../registry/history.js';
import { archiveBehind } from '../../registry/policy.js';
import { listRecords, recordsOf, serviceViews } from '../../registry/records.js';
import type { HistoryEntry, RegistryEvent, VersionDiff, VersionRecord } from '../../registry/schema.js';
import { schemaStatus } from '../../schema/apply-schema.js';
import { claimDataDir } from '../../store/data-dir-claim.js';
import { NoStoreError } from '../../store/errors.js';
import type { ClickHouseClient } from '@clickhouse/client';
import { withLocalStore, NotFoundError, type Reach } from '../ask.js';
import { UsageError } from '../errors.js';
import { commit, renderJsonLines, renderTable, terminalOutput, time } from '../format.js';
import { reachOf, readingOptions } from '../question-command.js';
import { callApi, chooseTarget } from '../target.js';

/** Who runs the CLI: the CI system's actor when there is one, else the login name. */
export function cliActor(env: NodeJS.ProcessEnv = process.env): string {
  return env.VERDICT_ACTOR || env.GITHUB_ACTOR || env.GITLAB_USER_LOGIN || env.BUILDKITE_BUILD_CREATOR || env.USER || env.USERNAME || 'unknown';
}

type Local<T> = (client: ClickHouseClient) => Promise<T>;

/** Reads through the API, or the data where it lies (read-only). */
async function read<T>(reach: Reach, path: string, local: Local<T>): Promise<T> {
  const target = await chooseTarget(reach.api, reach.config);
  if (target.kind === 'api') return callApi<T>(target.url, path);
  return withLocalStore(target.config, (store) => local(store.client));
}

/** Writes through the API (with an ingest key), or to a data directory no collector holds, claiming it meanwhile. */
async function write<T>(reach: Reach, path: string, body: unknown, local: Local<T>): Promise<T> {
  const target = await chooseTarget(reach.api, reach.config);
  if (target.kind === 'api') return callApi<T>(target.url, path, { method: 'POST', body, headers: { 'x-verdict-actor': cliActor() } });
  const claim = target.config.clickhouseUrl ? undefined : claimDataDir(resolve(target.config.dataDir));
  try {
    const { openStore } = await import('../../store/store.js');
    const store = openStore(target.config, { existingOnly: true });
    try {
      const status = await schemaStatus(store.client);
      if (!status.present || status.pending.length > 0) throw new NoStoreError(`${store.location} has no current Verdict schema; run \`verdict serve\` on it once first`);
      return await local(store.client);
    } finally {
      await store.close();
    }
  } finally {
    claim?.release();
  }
}

function pairs(values: string[] | undefined, sep: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf(sep);
    if (i <= 0) throw new UsageError(`${flag} takes name${sep}value, got ${JSON.stringify(v)}`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

const collect = (v: string, all: string[] = []) => [...all, v];
const enc = encodeURIComponent;

function printEvents(events: RegistryEvent[], json: boolean): void {
  if (json) process.stdout.write(renderJsonLines(events));
  else for (const e of events) process.stdout.write(`${e.at}  ${e.service} ${e.version}  ${e.kind}${e.to ? ` → ${e.to}` : ''}${e.environment ? ` (${e.environment})` : ''}  by ${e.actor}${e.reason ? `: ${e.reason}` : ''}\n`);
}

function subcommand(parent: Command, name: string, description: string): Command {
  const c = new Command(name).description(description);
  for (const option of readingOptions()) c.addOption(option);
  parent.addCommand(c);
  return c;
}

/** `git log A..B` in the repository the CLI runs in, when both commits are known there. */
function gitLog(from: string, to: string): string[] | undefined {
  if (!from || !to) return undefined;
  try {
    const text = execFileSync('git', ['log', '--oneline', '--no-decorate', `${from}..${to}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return text.split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
}

export function printDiff(d: VersionDiff, commits: string[] | undefined): string {
  const lines = [`${d.service}: ${d.from} → ${d.to}`, `commits: ${commit(d.commits.from) || '?'} → ${commit(d.commits.to) || '?'}`];
  if (commits) lines.push(...(commits.length ? commits.map((c) => `  ${c}`) : ['  (no commits between them)']));
  const section = (title: string, rows: Array<{ from: string | null; to: string | null } & ({ key: string } | { path: string })>) => {
    lines.push(`${title}:${rows.length === 0 ? ' no change' : ''}`);
    for (const r of rows) lines.push(`  ${'key' in r ? r.key : r.path}: ${r.from ?? '(none)'} → ${r.to ?? '(none)'}`);
  };
  section('params', d.params);
  section('prompts', d.prompts);
  section('config', d.config);
  return `${lines.join('\n')}\n`;
}

export function versionCommand(setExitCode: (code: number) => void): Command {
  const root = new Command('version').description('The version registry: records, stages, notes, history and what changed');
  const sub = (name: string, description: string) => subcommand(root, name, description);
  root.addHelpText(
    'after',
    '\nExamples:\n  verdict version register --service chat-api --version 1.3.0 --commit $GIT_SHA --param model=gpt-4.1 --prompt system@4 --config config.json\n' +
      '  verdict version promote chat-api 1.3.0 --to production\n  verdict version archive chat-api 1.1.0 --reason "superseded; p95 regression"\n  verdict version diff chat-api 1.2.0 1.3.0\n',
  );

  const change = (c: Command, make: (args: string[], o: Record<string, unknown>) => Change) =>
    c.action(async (...args: unknown[]) => {
      const o = c.opts();
      const reach = reachOf(o);
      const body = make(args.slice(0, -2) as string[], o);
      const { events } = await write(reach, '/api/registry/changes', body, async (client) => ({ events: await applyChange(client, body, cliActor()) }));
      printEvents(events, Boolean(o.json));
      if (events.length === 0 && !o.json) process.stdout.write('nothing to change\n');
      setExitCode(0);
    });

  change(
    sub('register', 'Register a version with its commit, parameters, prompts and configuration (a CI/CD step on merge)')
      .requiredOption('--service <name>', 'service name')
      .requiredOption('--version <version>', 'the version')
      .option('--commit <sha>', 'git commit')
      .option('--param <k=v>', 'a parameter (repeatable)', collect)
      .option('--prompt <name@version>', 'a prompt reference (repeatable)', collect)
      .option('--config <file.json>', 'the configuration, a JSON file')
      .option('--note <text>', 'a note'),
    (_a, o) => ({
      action: 'register',
      service: String(o.service),
      version: String(o.version),
      commit: o.commit as string | undefined,
      params: pairs(o.param as string[], '=', '--param'),
      prompts: pairs(o.prompt as string[], '@', '--prompt'),
      config: o.config ? readConfig(String(o.config)) : undefined,
      note: o.note as string | undefined,
    }),
  );
  change(
    sub('promote', 'Move a version to staging or production (one production version per environment unless --allow-several)')
      .argument('<service>').argument('<version>')
      .addOption(new Option('--to <stage>', 'the stage').choices(['staging', 'production']).makeOptionMandatory())
      .option('--env <environment>', 'the environment of a production stage (default: production)')
      .option('--allow-several', 'keep the current production version in production too')
      .option('--reason <text>', 'why'),
    ([service, version], o) => ({ action: 'promote', service, version, to: o.to as 'staging' | 'production', environment: o.env as string | undefined, allowSeveral: Boolean(o.allowSeveral), reason: o.reason as string | undefined }),
  );
  change(
    sub('archive', 'Archive a version (never the golden one); the reason is required').argument('<service>').argument('<version>').requiredOption('--reason <text>', 'why it is retired'),
    ([service, version], o) => ({ action: 'archive', service, version, reason: String(o.reason) }),
  );
  change(sub('golden', 'Make a version the golden baseline of its service').argument('<service>').argument('<version>').option('--reason <text>', 'why'), ([service, version], o) => ({
    action: 'golden', service, version, reason: o.reason as string | undefined,
  }));
  change(sub('note', 'Add a note to a version').argument('<service>').argument('<version>').argument('<text...>'), ([service, version, text]) => ({
    action: 'note', service, version, text: Array.isArray(text) ? text.join(' ') : String(text),
  }));

  const policy = sub('policy', 'Apply the archiving rule: archive versions N or more iterations behind production (never the golden one)')
    .requiredOption('--service <name>', 'service name')
    .requiredOption('--archive-behind <n>', 'iterations behind production', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError('--archive-behind must be a positive integer');
      return n;
    });
  policy.action(async () => {
    const o = policy.opts();
    const body = { service: String(o.service), behind: Number(o.archiveBehind) };
    const { events } = await write(reachOf(o), '/api/registry/policy/archive-behind', body, async (client) => ({ events: await archiveBehind(client, body.service, body.behind) }));
    printEvents(events, Boolean(o.json));
    setExitCode(0);
  });

  const list = sub('list', 'Every version with its stage, golden mark, commit and drift').option('--service <name>', 'one service');
  list.action(async () => {
    const o = list.opts();
    const service = o.service as string | undefined;
    const { versions } = await read<{ versions: VersionRecord[] }>(reachOf(o), `/api/registry/versions${service ? `?service=${enc(service)}` : ''}`, async (client) => ({ versions: await listRecords(client, { service }) }));
    if (o.json) process.stdout.write(renderJsonLines(versions));
    else process.stdout.write(recordsTable(versions, terminalOutput(process.stdout, process.env, o.color !== false)));
    setExitCode(0);
  });

  const show = sub('show', 'One version\'s record').argument('<service>').argument('<version>');
  show.action(async (service: string, version: string) => {
    const o = show.opts();
    const r = await read<VersionRecord>(reachOf(o), `/api/registry/versions/${enc(service)}/${enc(version)}`, async (client) => {
      const found = recordsOf((await serviceViews(client, service))[0]).find((x) => x.version === version);
      if (!found) throw new NotFoundError(`no version ${version} of ${service} in spans or in the registry`);
      return found;
    });
    process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : recordText(r));
    setExitCode(0);
  });

  const history = sub('history', 'A version\'s audited events beside what its traffic did').argument('<service>').argument('<version>');
  history.action(async (service: string, version: string) => {
    const o = history.opts();
    const h = await read<{ history: HistoryEntry[] }>(reachOf(o), `/api/registry/versions/${enc(service)}/${enc(version)}/history`, async (client) => ({ history: historyOf((await serviceViews(client, service))[0], version) }));
    if (o.json) process.stdout.write(renderJsonLines(h.history));
    else for (const e of h.history) process.stdout.write(`${time(e.at)}  ${e.source === 'registry' ? 'registry' : 'traffic '}  ${e.text}${e.actor ? `  (${e.actor})` : ''}\n`);
    setExitCode(0);
  });

  const diff = sub('diff', 'What changed between two versions: commits (from git, in the repo), parameters, prompts, configuration').argument('<service>').argument('<from>').argument('<to>');
  diff.action(async (service: string, from: string, to: string) => {
    const o = diff.opts();
    const d = await read<VersionDiff>(reachOf(o), `/api/registry/diff?service=${enc(service)}&from=${enc(from)}&to=${enc(to)}`, async (client) => {
      const records = recordsOf((await serviceViews(client, service))[0]);
      const a = records.find((r) => r.version === from);
      const b = records.find((r) => r.version === to);
      if (!a || !b) throw new NotFoundError(`no version ${!a ? from : to} of ${service} in spans or in the registry`);
      return diffRecords(a, b);
    });
    const commits = gitLog(d.commits.from, d.commits.to);
    process.stdout.write(o.json ? `${JSON.stringify({ ...d, gitLog: commits ?? null }, null, 2)}\n` : printDiff(d, commits));
    setExitCode(0);
  });

  const events = sub('events', 'The audit trail as JSON lines (an export)').option('--service <name>', 'one service').option('--of <version>', 'one version');
  events.action(async () => {
    const o = events.opts();
    const q = new URLSearchParams();
    if (o.service) q.set('service', String(o.service));
    if (o.of) q.set('version', String(o.of));
    const r = await read<{ events: RegistryEvent[] }>(reachOf(o), `/api/registry/events?${q}`, async (client) => ({ events: await readEvents(client, { service: o.service as string | undefined, version: o.of as string | undefined }) }));
    process.stdout.write(renderJsonLines(r.events));
    setExitCode(0);
  });

  for (const c of root.commands) c.exitOverride().showHelpAfterError(`(run verdict version ${c.name()} --help for its flags)`);
  return root;
}

function readConfig(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
  }
}

function recordsTable(versions: VersionRecord[], out: ReturnType<typeof terminalOutput>): string {
  const rows = versions.map((v) => ({
    service: v.service,
    version: v.version,
    stage: `${v.stage}${v.productionEnvironments.length ? ` (${v.productionEnvironments.join(',')})` : ''}${v.golden ? ' ★golden' : ''}`,
    commit: commit(v.commit),
    branch: v.branch,
    environments: v.environments.join(','),
    first_seen: time(v.firstSeen),
    last_seen: time(v.lastSeen),
    drift: v.drift.map((d) => d.kind).join(','),
  }));
  return renderTable(['service', 'version', 'stage', 'commit', 'branch', 'environments', 'first_seen', 'last_seen', 'drift'], rows, out);
}

function recordText(r: VersionRecord): string {
  const lines = [
    `${r.service} ${r.version}${r.golden ? ' (golden)' : ''}`,
    `stage: ${r.stage}${r.productionEnvironments.length ? ` in ${r.productionEnvironments.join(', ')}` : ''}${r.archiveReason ? ` — ${r.archiveReason}` : ''}`,
    `commit: ${r.commit || '?'}${r.branch ? ` on ${r.branch}` : ''}`,
    `seen: ${time(r.firstSeen) || 'never'} to ${time(r.lastSeen) || '…'} in ${r.environments.join(', ') || 'no environment'} (${r.requests} requests)`,
  ];
  for (const [k, v] of Object.entries(r.params)) lines.push(`param ${k} = ${v}`);
  for (const [k, v] of Object.entries(r.prompts)) lines.push(`prompt ${k}@${v}`);
  if (r.config !== null) lines.push(`config: ${JSON.stringify(r.config)}`);
  for (const n of r.notes) lines.push(`note (${time(n.at)}, ${n.actor}): ${n.text}`);
  for (const d of r.drift) lines.push(`DRIFT ${d.kind}: ${d.message}`);
  return `${lines.join('\n')}\n`;
}
