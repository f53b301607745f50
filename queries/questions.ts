// Every question Verdict answers, in one list: the API registers a route for each, builds its
// OpenAPI document from them, and the CLI derives its commands' flags from the same declarations.
import { compareQuestion } from './compare/compare.js';
import { deploymentsQuestion } from './deployments.js';
import { errorRateQuestion } from './error-rate.js';
import { errorsQuestion } from './errors.js';
import { feedbackQuestion } from './feedback.js';
import { filterHintsQuestion } from './filter-hints.js';
import { latencyQuestion } from './latency.js';
import type { Question } from './question.js';
import { searchQuestion } from './search.js';
import { sessionQuestion, sessionsQuestion } from './sessions.js';
import { timeseriesQuestion } from './timeseries.js';
import { traceQuestion } from './trace.js';
import { versionsQuestion } from './versions.js';

export const QUESTIONS = {
  versions: versionsQuestion,
  compare: compareQuestion,
  errors: errorsQuestion,
  errorRate: errorRateQuestion,
  timeseries: timeseriesQuestion,
  latency: latencyQuestion,
  deployments: deploymentsQuestion,
  sessions: sessionsQuestion,
  session: sessionQuestion,
  search: searchQuestion,
  trace: traceQuestion,
  feedback: feedbackQuestion,
  filterHints: filterHintsQuestion,
} as const;

export const QUESTION_LIST: readonly Question[] = Object.values(QUESTIONS) as unknown as Question[];
