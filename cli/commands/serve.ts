// `verdict serve`: runs the collector until SIGINT/SIGTERM, then stops cleanly (finishes in-flight
// requests, stores what is batched, closes the engine).
import { Command } from 'commander';
import { loadConfig, type VerdictConfig } from '../../store/config.js';
import { settingFlags, settingOptions } from '../flags.js';

export function serveCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('serve')
    .description('Run the collector: OTLP receivers, the store and the query API, until SIGINT/SIGTERM')
    .addHelpText('after', '\nEvery flag can also be set as its VERDICT_* variable. API keys: VERDICT_INGEST_KEYS and VERDICT_READ_KEYS (comma-separated) or --keys-file.\n\nExample:\n  verdict serve --data-dir ./.verdict/data --ttl-days 30\n');
  for (const option of settingOptions()) command.addOption(option);
  command.action(async () => setExitCode(await serve(loadConfig(process.env, settingFlags(command.opts())))));
  return command;
}

export async function serve(config: VerdictConfig): Promise<number> {
  // Handlers go in before anything starts: a supervisor may signal as soon as it reads the banner
  // (or while the engine is still opening), and a signal that finds no handler kills the process
  // with the queue unsynced and the data-directory claim left behind.
  let signalled: NodeJS.Signals | undefined;
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    if (signalled) {
      process.stderr.write(`verdict: ${signal} again while starting, exiting without waiting\n`);
      process.exit(1);
    }
    signalled = signal;
    process.stdout.write(`verdict: ${signal} received while starting; stopping once started…\n`);
  };
  const handler = (signal: NodeJS.Signals) => onSignal(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  // SIGHUP reloads the API keys; before the collector runs they are about to be read anyway (and
  // the signal's default would kill the process).
  let onHangup = () => {};
  process.on('SIGHUP', () => onHangup());

  // Loaded here: the collector (receivers, engine, prices) is most of the CLI's start-up time, and only serve needs it.
  const { startCollector } = await import('../../service/start.js');
  const collector = await startCollector(config);
  onHangup = () => collector.reloadKeys('SIGHUP');
  const { keys } = collector;
  const access = keys.enabled
    ? `API keys required (${keys.counts.ingest} ingest, ${keys.counts.read} read)`
    : config.insecure
      ? `open: no API keys, --insecure on ${config.host}`
      : 'open: no API keys, loopback only';
  const headersHint = keys.enabled ? ' OTEL_EXPORTER_OTLP_HEADERS=x-verdict-api-key=<ingest key>' : '';
  const where = collector.store.placement === 'embedded' ? `${collector.store.location} (embedded ClickHouse)` : collector.store.location;
  const tls = config.tlsCert
    ? `  TLS        on: certificate ${config.tlsCert}; ${config.tlsClientCa ? `clients need a certificate signed by ${config.tlsClientCa}` : 'no client certificates asked'}\n`
    : '';
  process.stdout.write(
    `verdict collector ready\n` +
      `  OTLP/HTTP  ${collector.otlpHttpUrl}/v1/traces\n` +
      `  OTLP/gRPC  ${collector.otlpGrpcAddress}\n` +
      `  API        ${collector.apiUrl}\n` +
      `  web page   ${collector.apiUrl}/\n` +
      (collector.clickhouseHttpUrl ? `  ClickHouse ${collector.clickhouseHttpUrl} (HTTP interface, read-only)\n` : '') +
      `  data       ${where}\n` +
      `  access     ${access}\n` +
      tls +
      `Point an OpenTelemetry SDK at it: OTEL_EXPORTER_OTLP_ENDPOINT=${collector.otlpHttpUrl}${headersHint}\n`,
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    onSignal = (signal) => {
      if (stopping) {
        process.stderr.write(`verdict: ${signal} again, exiting without waiting\n`);
        process.exit(1);
      }
      stopping = true;
      process.stdout.write(`verdict: ${signal} received, stopping…\n`);
      collector.close().then(
        () => resolve(0),
        (err) => {
          process.stderr.write(`verdict: error while stopping: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    if (signalled) onSignal(signalled);
  });
}
