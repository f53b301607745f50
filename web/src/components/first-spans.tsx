// What an empty store shows instead of empty charts: how to get the first spans in.
export function FirstSpans() {
  const origin = window.location.origin;
  const otlp = `${window.location.protocol}//${window.location.hostname}:4318`;
  return (
    <section class="panel first-spans" data-testid="first-spans">
      <h2>No spans yet</h2>
      <p>Verdict compares the versions of your app from its OpenTelemetry spans. Send some, and this page fills in.</p>
      <h3>Try it with the example app</h3>
      <pre>
        <code>npm run example</code>
      </pre>
      <p class="muted small">A fake chat app sends 3,000 requests of two versions; the page shows them within seconds.</p>
      <h3>Or point any OpenTelemetry SDK here</h3>
      <pre>
        <code>{`export OTEL_EXPORTER_OTLP_ENDPOINT=${otlp}   # the OTLP/HTTP address in the collector's banner
export OTEL_RESOURCE_ATTRIBUTES=service.version=1.2.0,deployment.environment.name=production`}</code>
      </pre>
      <p class="muted small">
        In a Node app, <code>node --import verdict/register app.js</code> does it for you. The API this page reads is at{' '}
        <code>{`${origin}/api/openapi.json`}</code>.
      </p>
    </section>
  );
}
