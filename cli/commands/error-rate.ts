// `verdict error-rate`: each version's error rate over time, bucket by bucket.
import { errorRateQuestion, type ErrorRateResult } from '../../queries/error-rate.js';
import { percent, renderJsonLines, renderTable, time } from '../format.js';
import type { CliQuestion } from '../question-command.js';

export const errorRateCommand: CliQuestion = {
  command: 'error-rate',
  question: errorRateQuestion,
  example: 'verdict error-rate --service chat-api --env production --from 2d --versions 1.1.0,1.2.0',
  print(answer, ctx) {
    const r = answer as ErrorRateResult;
    if (ctx.json) {
      process.stdout.write(renderJsonLines(r.series));
      return 0;
    }
    const rows = r.series.flatMap((s) => s.points.map((p) => ({ version: s.version, time: time(p.time), requests: p.requests, errors: p.errors, error_rate: percent(p.errorRate) })));
    process.stdout.write(`buckets of ${r.bucketSeconds} s from ${time(r.from)} to ${time(r.to)} (${r.source})\n`);
    process.stdout.write(renderTable(['version', 'time', 'requests', 'errors', 'error_rate'], rows, ctx.out));
    return 0;
  },
  unmatched: (answer, params) => ((answer as ErrorRateResult).series.every((s) => s.points.every((p) => p.requests === 0)) && params.filter ? [String(params.filter)] : []),
};
