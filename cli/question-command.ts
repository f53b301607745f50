// Builds one CLI command from a question's declaration: its options come from the declared
// parameters (cli/flags.ts), the answer comes from ask() (API or read-only local mode), and the
// command module only says how to print it and which exit code it means.
import { Command, Option } from 'commander';
import { filterHintsQuestion } from '../queries/filter-hints.js';
import type { Question } from '../queries/question.js';
import { loadConfig } from '../store/config.js';
import { ask, type Reach } from './ask.js';
import { questionOptions, READ_SETTINGS, settingFlags, settingOptions } from './flags.js';
import { terminalOutput, type Output } from './format.js';
import { useApiKey } from './target.js';

export interface PrintContext {
  json: boolean;
  /** The command's parsed options (camelCase), CLI-only ones included. */
  options: Record<string, unknown>;
  /** Colours and width for people's output (never used for --json). */
  out: Output;
}

type Params = Record<string, string | number | boolean | undefined>;

export interface CliQuestion {
  command: string;
  question: Question;
  /** Parameters taken as positional arguments instead of options, e.g. search's filter. */
  argument?: { param: string; usage: string; description: string; required: boolean; variadic?: boolean };
  /** Options only the CLI has (e.g. --fail-on-regression). */
  extraOptions?: Option[];
  example: string;
  /** Another question to ask instead, given the argument (sessions ID → one session). */
  route?(argument: string | undefined): { question: Question; path: Record<string, string> } | undefined;
  /** Prints the answer; returns the exit code. */
  print(answer: unknown, ctx: PrintContext): number;
  /** More to print after the answer, from other routes (e.g. the registry's drift beside versions). */
  after?(answer: unknown, params: Params, reach: Reach, ctx: PrintContext): Promise<void>;
  /** The filters given that matched no request in this answer; each gets hints on stderr. */
  unmatched?(answer: unknown, params: Params): string[];
}

/** Options every reading command takes: output, where the API is, its key, and where the data is. */
export function readingOptions(): Option[] {
  return [
    new Option('--json', 'machine-readable output'),
    new Option('--no-color', 'no colours (also NO_COLOR; off anyway when stdout is not a terminal)'),
    new Option('--api <url>', 'a running collector\'s API (VERDICT_API_URL); by default the one that owns --data-dir, else the folder itself'),
    new Option('--api-key <key>', 'read key sent to the API (VERDICT_API_KEY)'),
    ...settingOptions(READ_SETTINGS),
  ];
}

/** Applies --api-key and builds where to read from; shared by every reading command. */
export function reachOf(options: Record<string, unknown>): Reach {
  useApiKey((options.apiKey as string | undefined) ?? process.env.VERDICT_API_KEY);
  return {
    api: (options.api as string | undefined) ?? (process.env.VERDICT_API_URL || undefined),
    config: loadConfig(process.env, settingFlags(options)),
  };
}

export function questionCommand(spec: CliQuestion, setExitCode: (code: number) => void): Command {
  const command = new Command(spec.command).description(spec.question.summary);
  const positional = spec.argument ? [spec.argument.param] : [];
  for (const option of [...questionOptions(spec.question.params, positional), ...(spec.extraOptions ?? []), ...readingOptions()]) command.addOption(option);
  if (spec.argument) {
    const a = spec.argument;
    command.argument(a.required ? `<${a.usage}${a.variadic ? '...' : ''}>` : `[${a.usage}${a.variadic ? '...' : ''}]`, a.description);
  }
  command.addHelpText('after', `\nExample:\n  ${spec.example}\n`);
  command.action(async (...args: unknown[]) => {
    const options = command.opts();
    const raw = spec.argument ? args[0] : undefined;
    const argument = Array.isArray(raw) ? raw.join(' ') : (raw as string | undefined);
    const routed = spec.route?.(argument);
    const question = routed?.question ?? spec.question;
    const params: Params = {};
    for (const name of Object.keys(question.params.properties)) params[name] = options[name] as never;
    if (spec.argument && !routed && argument !== undefined) params[spec.argument.param] = argument;
    const reach = reachOf(options);
    const answer = await ask(question, params, routed?.path ?? {}, reach);
    const ctx = { json: Boolean(options.json), options, out: terminalOutput(process.stdout, process.env, options.color !== false) };
    setExitCode(spec.print(answer, ctx));
    await spec.after?.(answer, params, reach, ctx);
    for (const filter of routed ? [] : (spec.unmatched?.(answer, params) ?? [])) await explainUnmatched(filter, params, reach);
  });
  return command;
}

/** On stderr (stdout stays the answer, --json included): the filter matched nothing, and why. */
async function explainUnmatched(filter: string, params: Params, reach: Reach): Promise<void> {
  const { service, env, from, to } = params;
  let hints: string[];
  try {
    hints = (await ask(filterHintsQuestion, { service, env, from, to, filter }, {}, reach)).hints;
  } catch {
    return; // hints are a courtesy: an older API without the route, say, leaves the answer as it was
  }
  process.stderr.write(`no request matches the filter ${JSON.stringify(filter)}
${hints.map((h) => `  ${h}
`).join('')}`);
}
