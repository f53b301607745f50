// Where an answer goes: "loading" while it is asked, the server's own message if it failed (the
// rest of the page keeps working), otherwise the content drawn from it.
import type { ComponentChildren } from 'preact';
import type { ApiState } from '../use-api.js';

export function Answer<T>(props: { state: ApiState<T>; what: string; children: (data: T) => ComponentChildren }) {
  const { state, what } = props;
  if (state.error) return <ErrorNote title={`Could not load ${what}`} message={state.error.message} />;
  if (state.data === null) return <p class="muted" role="status">Loading {what}…</p>;
  return <>{props.children(state.data)}</>;
}

export function ErrorNote(props: { title: string; message: string }) {
  return (
    <div class="error-note" role="alert" data-testid="api-error">
      <strong>{props.title}:</strong> <span>{props.message}</span>
    </div>
  );
}
