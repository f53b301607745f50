// `verdict feedback import FILE.jsonl` and `verdict feedback list --trace ID`: assessments of
// traces in bulk (one MLflow assessment or Langfuse score per line, a progress bar, each bad line
// reported with its field), and one trace's assessments. Through the running collector's API (the
// import needs an ingest key there) or, with none, on the data folder itself.
import { Command, Option } from 'commander';
import { createReadStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { feedbackQuestion, type FeedbackAnswer } from '../../queries/feedback.js';
import { AssessmentInputError, parseAssessment, type AssessmentRow } from '../../quality/assessment.js';
import { insertAssessments } from '../../quality/assessment-store.js';
import { claimDataDir } from '../../store/data-dir-claim.js';
import { ask, withLocalStore } from '../ask.js';
import { UsageError } from '../errors.js';
import { renderTable, time } from '../format.js';
import { startProgress } from '../progress.js';
import { reachOf, readingOptions } from '../question-command.js';
import { callApi, chooseTarget } from '../target.js';

export interface ImportReport {
  file: string;
  lines: number;
  imported: number;
  errors: Array<{ line: number; field: string; message: string }>;
}

/** Assessments per request or insert: small enough for any body limit, large enough to be quick. */
const BATCH = 1000;

async function importFile(file: string, send: (raw: unknown[], rows: AssessmentRow[]) => Promise<void>): Promise<ImportReport> {
  const path = resolve(file);
  let total: number;
  try {
    total = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const report: ImportReport = { file, lines: 0, imported: 0, errors: [] };
  const progress = startProgress('importing feedback', total, { unit: 'lines' });
  let raw: unknown[] = [];
  let rows: AssessmentRow[] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    await send(raw, rows);
    report.imported += rows.length;
    raw = [];
    rows = [];
  };
  let lineNo = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    report.lines++;
    try {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new AssessmentInputError('line', `not JSON: ${(err as Error).message}`);
      }
      rows.push(parseAssessment(value, '', 'import'));
      raw.push(value);
    } catch (err) {
      if (!(err instanceof AssessmentInputError)) throw err;
      report.errors.push({ line: lineNo, field: err.field, message: err.message });
    }
    if (rows.length >= BATCH) await flush();
    progress.update(report.lines);
  }
  await flush();
  progress.stop();
  return report;
}

export function feedbackCommand(setExitCode: (code: number) => void): Command {
  const list = new Command('list').description("A trace's feedback and expectations (the live ones; --history for all)").exitOverride();
  list.addOption(new Option('--trace <id>', 'the trace id').makeOptionMandatory());
  list.addOption(new Option('--history', 'also the assessments a later one overrode'));
  for (const option of readingOptions()) list.addOption(option);
  list.action(async () => {
    const options = list.opts();
    const answer = (await ask(feedbackQuestion, { trace: options.trace as string, history: Boolean(options.history) }, {}, reachOf(options))) as FeedbackAnswer;
    if (options.json) {
      process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    } else {
      const rows = answer.assessments.map((a) => ({
        name: a.name, kind: a.kind, value: typeof a.value === 'string' ? a.value : JSON.stringify(a.value), source: `${a.sourceType}${a.sourceId ? `:${a.sourceId}` : ''}`,
        rationale: a.rationale || a.error, time: time(a.time), live: a.live ? 'yes' : 'overridden',
      }));
      process.stdout.write(renderTable(['name', 'kind', 'value', 'source', 'rationale', 'time', 'live'], rows));
    }
    setExitCode(0);
  });

  const importer = new Command('import').description('Import assessments from a JSON-lines file (MLflow assessments or Langfuse scores, one per line)').exitOverride();
  importer.argument('<file>', 'the .jsonl file');
  for (const option of readingOptions()) importer.addOption(option);
  importer.action(async (file: string) => {
    const options = importer.opts();
    const reach = reachOf(options);
    const target = await chooseTarget(reach.api, reach.config);
    let report: ImportReport;
    if (target.kind === 'api') {
      report = await importFile(file, async (raw) => {
        await callApi(target.url, '/api/feedback', { method: 'POST', body: raw });
      });
    } else {
      const claim = target.config.clickhouseUrl ? undefined : claimDataDir(resolve(target.config.dataDir));
      try {
        report = await withLocalStore(target.config, (store) => importFile(file, (_raw, rows) => insertAssessments(store.client, rows)));
      } finally {
        claim?.release();
      }
    }
    if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      process.stdout.write(`imported ${report.imported} of ${report.lines} assessments from ${file}\n`);
      for (const e of report.errors) process.stderr.write(`${file}:${e.line}: ${e.message}\n`);
    }
    // Lines with errors are not imported: exit 1 so that a script notices.
    setExitCode(report.errors.length > 0 ? 1 : 0);
  });

  return new Command('feedback').description('Feedback and expectations on traces: import a file, list a trace\'s').addCommand(list).addCommand(importer);
}
