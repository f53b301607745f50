// The `verdict` command: one commander program whose question commands are derived from the
// question declarations (queries/questions.ts), plus serve and sql. Exit codes (cli/exit-codes.ts):
// 0 answered, 1 a regression with --fail-on-regression, 2 a usage error or an unreachable API,
// 3 too little data to judge with --fail-on-regression.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../schema/sql-files.js';
import { alertsCommand } from './commands/alerts.js';
import { compareCommand } from './commands/compare.js';
import { deploymentsCommand } from './commands/deployments.js';
import { errorRateCommand } from './commands/error-rate.js';
import { errorsCommand } from './commands/errors.js';
import { feedbackCommand } from './commands/feedback.js';
import { scoreCommand } from './commands/score.js';
import { latencyCommand } from './commands/latency.js';
import { queueCommand } from './commands/queue.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { sessionsCommand } from './commands/sessions.js';
import { sqlCommand } from './commands/sql.js';
import { traceCommand } from './commands/trace.js';
import { versionsCommand } from './commands/versions.js';
import { versionCommand } from './commands/version.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { questionCommand } from './question-command.js';

const QUESTION_COMMANDS = [versionsCommand, compareCommand, errorsCommand, errorRateCommand, latencyCommand, deploymentsCommand, sessionsCommand, searchCommand, traceCommand];

const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function program(setExitCode: (code: number) => void): Command {
  const root = new Command('verdict')
    .description('Is the new version of your app better or worse than the last one?')
    .version(version, '-V, --version', 'print the version')
    // Options after a command belong to it: `verdict errors --version 1.2.0` is errors' own flag.
    .enablePositionalOptions()
    .showHelpAfterError('(run verdict <command> --help for its flags)')
    .exitOverride()
    .addHelpText('after', `\nTimes (--from, --to): ISO 8601, epoch ms, now, or an age like 7d / 12h. ${EXIT_CODES_HELP}\n`);
  root.addCommand(serveCommand(setExitCode));
  root.addCommand(sqlCommand(setExitCode));
  root.addCommand(queueCommand(setExitCode));
  root.addCommand(versionCommand(setExitCode));
  root.addCommand(alertsCommand(setExitCode));
  root.addCommand(feedbackCommand(setExitCode));
  root.addCommand(scoreCommand(setExitCode));
  for (const spec of QUESTION_COMMANDS) root.addCommand(questionCommand(spec, setExitCode));
  for (const command of root.commands) command.exitOverride().showHelpAfterError(`(run verdict ${command.name()} --help for its flags)`);
  return root;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const root = program((c) => (code = c));
  if (argv.length === 0) {
    process.stdout.write(root.helpInformation());
    return 2;
  }
  try {
    await root.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0; commander has printed its message.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`verdict: ${(err as Error).message}\n`);
    return 2;
  }
}
