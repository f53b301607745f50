// Preload entry: `node --import verdict/register app.js` instruments the app from the environment alone,
// before its first line runs. A configuration error disables instrumentation with one line on stderr; it never
// stops the app.

if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  // Imported only when enabled: child processes that inherit NODE_OPTIONS with the SDK disabled stay light.
  const { startVerdict } = await import('./start.js');
  try {
    startVerdict();
  } catch (error) {
    process.stderr.write(`verdict: instrumentation disabled: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

export {};
