// An LLM-judge scorer for `verdict score --scorer` / `verdict serve --scorer`: asks your own model
// (any OpenAI-compatible chat-completions endpoint) whether the answer addresses the question, on
// a 1–5 scale, and returns { value, rationale }. Verdict stores it as feedback "relevance" from
// source CODE relevance@1 on each trace; a failure or timeout is recorded as an error assessment.
//
//   JUDGE_URL=https://api.openai.com/v1/chat/completions JUDGE_MODEL=gpt-4o-mini JUDGE_API_KEY=… \
//     verdict score --scorer examples/scorers/llm-judge.mjs --since 1d --sample 0.1
export const name = 'relevance';
export const version = '1';

export default async function relevance(trace) {
  if (!trace.outputs) return { value: null, rationale: 'no answer to judge' };
  const res = await fetch(process.env.JUDGE_URL ?? 'https://api.openai.com/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(process.env.JUDGE_API_KEY ? { authorization: `Bearer ${process.env.JUDGE_API_KEY}` } : {}) },
    body: JSON.stringify({
      model: process.env.JUDGE_MODEL ?? 'gpt-4o-mini',
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: 'Rate how well the answer addresses the question, 1 (not at all) to 5 (fully). Reply as JSON: {"score": <1-5>, "reason": "<one sentence>"}.' },
        { role: 'user', content: `Question:\n${trace.inputs ?? '(unknown)'}\n\nAnswer:\n${trace.outputs}` },
      ],
    }),
  });
  if (!res.ok) throw new Error(`judge model answered HTTP ${res.status}`);
  const body = await res.json();
  const verdict = JSON.parse(body.choices[0].message.content);
  return { value: Number(verdict.score), rationale: String(verdict.reason ?? '') };
}
