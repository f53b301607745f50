// The chosen span of a trace: its error, the gen_ai fields (model, tokens) pulled to the top, then
// every attribute, resource attribute, event and link as key/value text. (Cost and assessments
// join the gen_ai block once they are stored.)
import type { SpanNode } from '../api-types.js';
import { LocalTime } from '../components/local-time.js';
import { formatMs, formatTokens } from '../format.js';

const first = (attrs: Record<string, string>, keys: string[]) => keys.map((k) => attrs[k]).find((v) => v !== undefined && v !== '');

export function SpanDetails(props: { span: SpanNode }) {
  const s = props.span;
  const a = s.attributes;
  const model = first(a, ['gen_ai.response.model', 'gen_ai.request.model']);
  const input = first(a, ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens']);
  const output = first(a, ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens']);
  const provider = first(a, ['gen_ai.provider.name', 'gen_ai.system']);
  return (
    <section class="panel span-details" aria-labelledby="span-title" data-testid="span-details">
      <h2 id="span-title">{s.name}</h2>
      {s.status === 'Error' && (
        <p class="error-note" data-testid="span-error">
          <strong>Error:</strong> {s.statusMessage || '(no message)'}
        </p>
      )}
      <dl class="facts">
        <dt>Service</dt>
        <dd>{s.service}</dd>
        <dt>Version</dt>
        <dd>{s.version || '—'}</dd>
        <dt>Environment</dt>
        <dd>{s.environment || '—'}</dd>
        <dt>Kind</dt>
        <dd>{s.kind}</dd>
        <dt>Status</dt>
        <dd>{s.status}</dd>
        <dt>Start</dt>
        <dd>
          <LocalTime iso={s.start} />
        </dd>
        <dt>Duration</dt>
        <dd>{formatMs(s.durationMs)}</dd>
        <dt>Span id</dt>
        <dd class="mono">{s.spanId}</dd>
      </dl>
      {(model || input || output) && (
        <>
          <h3>Model call</h3>
          <dl class="facts" data-testid="gen-ai">
            {provider && (
              <>
                <dt>Provider</dt>
                <dd>{provider}</dd>
              </>
            )}
            <dt>Model</dt>
            <dd>{model ?? '—'}</dd>
            <dt>Input</dt>
            <dd>{input ? formatTokens(Number(input)) : '—'}</dd>
            <dt>Output</dt>
            <dd>{output ? formatTokens(Number(output)) : '—'}</dd>
          </dl>
        </>
      )}
      <KeyValues title="Attributes" values={s.attributes} testId="span-attributes" />
      <KeyValues title="Resource" values={s.resource} testId="span-resource" />
      {s.events.length > 0 && (
        <>
          <h3>Events</h3>
          <ol class="plain events">
            {s.events.map((e) => (
              <li>
                <strong>{e.name}</strong> <LocalTime iso={e.time} />
                <KeyValues values={e.attributes} />
              </li>
            ))}
          </ol>
        </>
      )}
      {s.links.length > 0 && (
        <>
          <h3>Links</h3>
          <ul class="plain mono small">
            {s.links.map((l) => (
              <li>
                {l.traceId} / {l.spanId}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function KeyValues(props: { title?: string; values: Record<string, string>; testId?: string }) {
  const keys = Object.keys(props.values).sort();
  if (keys.length === 0) return null;
  return (
    <>
      {props.title && <h3>{props.title}</h3>}
      <table class="kv" data-testid={props.testId}>
        <tbody>
          {keys.map((k) => (
            <tr>
              <th scope="row" class="mono">
                {k}
              </th>
              <td class="mono">{props.values[k]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
