// The question commands (versions, compare, errors, deployments, sessions, search, trace): their
// flags, which command accepts which, and dispatch. cli/main.ts merges QUESTION_OPTIONS into its
// parser and hands these commands to runQuestionCommand.
import type { ParseArgsConfig } from 'node:util';
import type { VerdictConfig } from '../store/config.js';
import { compareCommand } from './commands/compare.js';
import { deploymentsCommand } from './commands/deployments.js';
import { errorsCommand } from './commands/errors.js';
import { searchCommand } from './commands/search.js';
import { sessionsCommand } from './commands/sessions.js';
import { traceCommand } from './commands/trace.js';
import { versionsCommand } from './commands/versions.js';
import { UsageError } from './errors.js';
import type { QueryValue } from './question-client.js';

const STRING_FLAGS = [
  'service',
  'env',
  'from',
  'to',
  'filter',
  'version',
  'baseline',
  'candidate',
  'baseline-filter',
  'candidate-filter',
  'by',
  'limit',
  'cursor',
  'alpha',
  'min-requests',
  'min-error-rate-delta',
  'min-latency-change',
  'min-token-change',
  'min-span-change',
] as const;
const BOOLEAN_FLAGS = ['align', 'fail-on-regression'] as const;

export const QUESTION_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries([
  ...STRING_FLAGS.map((f) => [f, { type: 'string' as const }]),
  ...BOOLEAN_FLAGS.map((f) => [f, { type: 'boolean' as const }]),
]);

const SCOPE = ['service', 'env', 'from', 'to'];

interface CommandSpec {
  flags: string[];
  run(ctx: QuestionContext): Promise<number>;
}

const COMMANDS: Record<string, CommandSpec> = {
  versions: { flags: [...SCOPE], run: versionsCommand },
  compare: {
    flags: [
      ...SCOPE,
      'baseline',
      'candidate',
      'baseline-filter',
      'candidate-filter',
      'by',
      'align',
      'alpha',
      'min-requests',
      'min-error-rate-delta',
      'min-latency-change',
      'min-token-change',
      'min-span-change',
      'fail-on-regression',
    ],
    run: compareCommand,
  },
  errors: { flags: [...SCOPE, 'version', 'baseline', 'candidate', 'limit'], run: errorsCommand },
  deployments: { flags: [...SCOPE], run: deploymentsCommand },
  sessions: { flags: [...SCOPE, 'version', 'filter', 'limit'], run: sessionsCommand },
  search: { flags: [...SCOPE, 'filter', 'limit', 'cursor'], run: searchCommand },
  trace: { flags: [], run: traceCommand },
};

export const QUESTION_HELP = `  verdict versions [--service S] [--env E] [--from T] [--to T]
  verdict compare --baseline A --candidate B [--service S] [--env E] [--by name|model|KEY] [--align]
                  [--baseline-filter F] [--candidate-filter F] [--fail-on-regression] [--min-requests N]
                  [--alpha P] [--min-error-rate-delta D] [--min-latency-change R] [--min-token-change R]
  verdict errors [--service S] [--env E] [--version V | --baseline A --candidate B] [--limit N]
  verdict deployments [--service S] [--env E] [--from T] [--to T]
  verdict sessions [SESSION-ID] [--service S] [--env E] [--version V] [--limit N]
  verdict search '<filter>' [--limit N] [--cursor C]
  verdict trace <trace-id>
  (each also takes --json and --api URL; times: ISO 8601, epoch ms, now, or an age like 7d / 12h)
`;

export interface QuestionContext {
  json: boolean;
  api?: string;
  config: VerdictConfig;
  positionals: string[];
  flags: Partial<Record<(typeof STRING_FLAGS)[number], string>>;
  bool(flag: (typeof BOOLEAN_FLAGS)[number]): boolean;
  /** service, env, from, to as API query parameters. */
  scope(): Record<string, QueryValue>;
}

export function isQuestionCommand(command: string): boolean {
  return Object.hasOwn(COMMANDS, command);
}

export async function runQuestionCommand(
  command: string,
  positionals: string[],
  values: Record<string, string | boolean | (string | boolean)[] | undefined>,
  opts: { json: boolean; api?: string; config: VerdictConfig },
): Promise<number> {
  const spec = COMMANDS[command];
  const allowed = new Set(spec.flags);
  for (const flag of [...STRING_FLAGS, ...BOOLEAN_FLAGS]) {
    if (values[flag] !== undefined && !allowed.has(flag)) {
      throw new UsageError(`--${flag} is not an option of verdict ${command}; run verdict --help`);
    }
  }
  if (!['sessions', 'search', 'trace'].includes(command) && positionals.length > 0) {
    throw new UsageError(`verdict ${command} takes no arguments, got ${JSON.stringify(positionals.join(' '))}`);
  }
  const flags: QuestionContext['flags'] = {};
  for (const flag of STRING_FLAGS) if (typeof values[flag] === 'string') flags[flag] = values[flag] as string;
  const ctx: QuestionContext = {
    ...opts,
    positionals,
    flags,
    bool: (flag) => values[flag] === true,
    scope: () => ({ service: flags.service, env: flags.env, from: flags.from, to: flags.to }),
  };
  return spec.run(ctx);
}
