// Scorers that ship with Verdict and need no network: `--scorer builtin:<name>`. Each reads only
// the trace it is given (see quality/scorer.ts for how inputs, outputs and expectations are found).
import type { Scorer, ScorerTrace } from './scorer.js';

const MIN_LENGTH = 1;
const MAX_LENGTH = 4000;
/** Expectation names that hold the expected answer (MLflow's and common ones). */
const EXPECTED = ['expected_response', 'expected_answer', 'answer', 'expected'];

const normalize = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export const BUILTIN_SCORERS: Record<string, Scorer> = {
  'output-present': {
    name: 'output_present',
    version: '1',
    score: (t: ScorerTrace) => ({ value: (t.outputs ?? '').trim() !== '', rationale: t.outputs === undefined ? 'no output attribute or event found' : '' }),
  },
  'answer-length': {
    name: 'answer_length_ok',
    version: '1',
    score: (t: ScorerTrace) => {
      const n = (t.outputs ?? '').length;
      return { value: n >= MIN_LENGTH && n <= MAX_LENGTH, rationale: `${n} characters (bounds ${MIN_LENGTH}–${MAX_LENGTH})` };
    },
  },
  'expected-match': {
    name: 'expected_match',
    version: '1',
    score: (t: ScorerTrace) => {
      const key = EXPECTED.find((k) => k in t.expectations);
      // No expectation: nothing to compare with, recorded as such rather than as a failure.
      if (key === undefined) return { value: null, rationale: 'no expectation on this trace' };
      const expected = normalize(asText(t.expectations[key]));
      const output = normalize(t.outputs ?? '');
      return { value: output !== '' && output.includes(expected), rationale: `expected "${expected}" (${key})` };
    },
  },
  'tool-errors': {
    name: 'tool_call_errors',
    version: '1',
    score: (t: ScorerTrace) => {
      const tools = t.spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool' || s.attributes['gen_ai.tool.name'] !== undefined || s.attributes['openinference.span.kind'] === 'TOOL');
      const failed = tools.filter((s) => s.status === 'Error');
      return { value: failed.length, rationale: `${failed.length} of ${tools.length} tool calls failed${failed.length ? `: ${failed.map((s) => s.name).join(', ')}` : ''}` };
    },
  },
};
