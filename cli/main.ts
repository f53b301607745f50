// The `verdict` command: parses the command line and dispatches to one command module.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CONFIG_BOOLEAN_FLAGS, CONFIG_FLAGS, ConfigError, loadConfig } from '../store/config.js';
import { useApiKey } from './api-target.js';
import { UsageError } from './errors.js';
import { serve } from './commands/serve.js';
import { sql } from './commands/sql.js';
import { QUESTION_HELP, QUESTION_OPTIONS, isQuestionCommand, runQuestionCommand } from './question-commands.js';

const HELP = `verdict — is the new version of your app better or worse than the last one?

Usage:
  verdict serve [--data-dir DIR] [--host HOST] [--otlp-http-port N] [--otlp-grpc-port N] [--api-port N]
                [--clickhouse-url URL] [--ttl-days N] [--keys-file FILE] [--insecure] ...
  verdict sql "<query>" [--json] [--api URL] [--api-key KEY]
${QUESTION_HELP}
Every --flag of serve can also be set as VERDICT_<FLAG> (e.g. VERDICT_DATA_DIR). API keys:
VERDICT_INGEST_KEYS and VERDICT_READ_KEYS (comma-separated) or --keys-file; commands that read
send VERDICT_API_KEY (or --api-key).
`;

const CLI_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  json: { type: 'boolean' },
  api: { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
for (const flag of CONFIG_FLAGS) CLI_OPTIONS[flag] = { type: CONFIG_BOOLEAN_FLAGS.has(flag) ? 'boolean' : 'string' };
Object.assign(CLI_OPTIONS, QUESTION_OPTIONS);

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`verdict: ${err.message}\n`);
      return 2;
    }
    const e = err as Error & { code?: string };
    process.stderr.write(`verdict: ${e.message}\n`);
    return 2;
  }
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: CLI_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  const flags: Record<string, string> = {};
  for (const flag of CONFIG_FLAGS) {
    if (typeof values[flag] === 'string') flags[flag] = values[flag] as string;
    else if (values[flag] === true) flags[flag] = 'true';
  }
  // Every request the CLI makes to the API carries this read key.
  useApiKey((values['api-key'] as string | undefined) ?? process.env.VERDICT_API_KEY);
  const config = loadConfig(process.env, flags);
  const api = (values.api as string | undefined) ?? process.env.VERDICT_API_URL;
  switch (command) {
    case 'serve':
      return serve(config);
    case 'sql':
      return sql(rest.join(' ') || undefined, { json: Boolean(values.json), api, config });
    default:
      if (isQuestionCommand(command)) return runQuestionCommand(command, rest, values, { json: Boolean(values.json), api, config });
      throw new UsageError(`unknown command ${JSON.stringify(command)}; run verdict --help`);
  }
}
