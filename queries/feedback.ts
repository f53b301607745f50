// feedback: the assessments of one trace (GET /api/feedback?trace=…, `verdict feedback list`):
// feedback and expectations from every way they arrive, history included, the live ones marked.
import type { ClickHouseClient } from '@clickhouse/client';
import { Type, type Static } from '@sinclair/typebox';
import { answer, defineQuestion, Iso } from './question.js';
import { isoFromMs, num, QueryInputError, queryRows, renderSql } from './run-query.js';

export const FeedbackParams = Type.Object({
  trace: Type.String({ description: 'The trace id (32 hex digits; MLflow\'s "tr-" prefix is accepted).' }),
  history: Type.Optional(Type.Boolean({ description: 'Also the assessments a later one of the same name and source overrode.' })),
});
export type FeedbackParams = Static<typeof FeedbackParams>;

export const AssessmentSchema = answer({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String({ description: 'feedback or expectation' }),
  spanId: Type.String(),
  valueType: Type.String({ description: 'number, boolean, string, json, or none (an error)' }),
  value: Type.Unknown({ description: 'The value as given.' }),
  sourceType: Type.String({ description: 'HUMAN, LLM_JUDGE or CODE' }),
  sourceId: Type.String(),
  rationale: Type.String(),
  error: Type.String(),
  origin: Type.String({ description: 'api, import, scorer, span_event or log' }),
  time: Iso(),
  live: Type.Boolean({ description: 'The latest of its name, kind and source: the one every question counts.' }),
});
export type Assessment = Static<typeof AssessmentSchema>;

export const FeedbackAnswerSchema = answer({ traceId: Type.String(), assessments: Type.Array(AssessmentSchema) });
export type FeedbackAnswer = Static<typeof FeedbackAnswerSchema>;

export async function traceFeedback(client: ClickHouseClient, p: FeedbackParams): Promise<FeedbackAnswer> {
  const bare = /^tr-[0-9a-fA-F]{32}$/.test(p.trace) ? p.trace.slice(3) : p.trace;
  if (!/^[0-9a-fA-F]{32}$/.test(bare)) throw new QueryInputError('trace: expected a trace id of 32 hex digits (or tr-<32 hex digits>)');
  const rows = await queryRows(client, renderSql('feedback'), { trace: bare.toLowerCase() });
  const assessments = rows
    .map((r) => {
      let value: unknown = r.value;
      try {
        value = JSON.parse(String(r.value));
      } catch {
        // Kept as the text it was given in.
      }
      return {
        id: String(r.id), name: String(r.name), kind: String(r.kind), spanId: String(r.spanId), valueType: String(r.valueType), value,
        sourceType: String(r.sourceType), sourceId: String(r.sourceId), rationale: String(r.rationale), error: String(r.error),
        origin: String(r.origin), time: isoFromMs(num(r.time_ms)), live: Boolean(num(r.live)),
      };
    })
    .filter((a) => p.history || a.live);
  return { traceId: bare.toLowerCase(), assessments };
}

export const feedbackQuestion = defineQuestion({
  name: 'feedback',
  path: '/api/feedback',
  summary: "A trace's feedback and expectations",
  description: 'Every assessment of one trace (from POST /api/feedback, imports, scorers, gen_ai.evaluation.result span events and log records); with history, also the ones a later assessment of the same name and source overrode.',
  params: FeedbackParams,
  response: FeedbackAnswerSchema,
  run: (client, p) => traceFeedback(client, p),
});
