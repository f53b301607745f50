// Asks for a read key when the collector wants one (the API answered 401/403). The key is kept in
// this tab only and sent as a header; the reason shown is the server's own message.
import { useEffect, useRef, useState } from 'preact/hooks';
import { saveKey } from '../key-store.js';

export function KeyPrompt(props: { reason: string }) {
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = (e: Event) => {
    e.preventDefault();
    if (value.trim()) saveKey(value.trim());
  };
  return (
    <section class="panel key-prompt" aria-labelledby="key-title">
      <h2 id="key-title">This collector needs a read key</h2>
      <p class="muted" role="alert">{props.reason}</p>
      <form onSubmit={submit}>
        <label for="read-key">Read key</label>
        <input
          id="read-key"
          ref={input}
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Use this key</button>
      </form>
      <p class="muted small">
        The key stays in this browser tab (session storage) and is forgotten when the tab closes. It is sent as the
        x-verdict-api-key header, never in a URL.
      </p>
    </section>
  );
}
