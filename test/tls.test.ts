// TLS on everything that listens, so keys never cross a network in clear text: the real
// OpenTelemetry SDK exporters send spans over https (http/protobuf) and grpcs, configured the
// standard way (OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY); the API answers
// over https; with --tls-client-ca a client without a certificate that CA signed cannot connect;
// plain text to a TLS port gets nothing; and bad TLS settings stop the start naming the file.
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../service/start.js';
import { newDataDir, startCollectorProcess } from './helpers/collector-process.js';
import { rows, startTestCollector } from './helpers/in-process-collector.js';
import { runCli } from './helpers/run-cli.js';
import { exportOneSpan } from './helpers/sdk-export.js';
import { makeTestCertificates, type TestCertificates } from './helpers/test-certificates.js';

const INGEST = `ingest-${randomBytes(24).toString('base64url')}`;
const READ = `read-${randomBytes(24).toString('base64url')}`;
let certs: TestCertificates;
let c: RunningCollector;
beforeAll(async () => {
  certs = makeTestCertificates();
  const keysFile = join(certs.dir, 'keys.json');
  writeFileSync(keysFile, JSON.stringify({ ingest: [INGEST], read: [READ] }));
  c = await startTestCollector({
    'tls-cert': certs.serverCert,
    'tls-key': certs.serverKey,
    'tls-client-ca': certs.caCert,
    'keys-file': keysFile,
    'log-level': 'silent',
  });
});
afterAll(async () => {
  await c?.close();
});

const count = async (service: string) => Number((await rows(c, 'SELECT count() AS n FROM otel_traces WHERE ServiceName = {s:String}', { s: service }))[0].n);

/** The standard exporter variables for this CA, client certificate and ingest key. */
const exporterEnv = (withClientCertificate: boolean): Record<string, string> => ({
  OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caCert,
  ...(withClientCertificate ? { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: certs.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: certs.clientKey } : {}),
  OTEL_EXPORTER_OTLP_HEADERS: `x-verdict-api-key=${INGEST}`,
});

/** GET on the API over https, with or without the client certificate; a failed handshake is an Error. */
function apiGet(path: string, opts: { clientCertificate: boolean; headers?: Record<string, string> }): Promise<{ status: number; body: string } | Error> {
  return new Promise((resolve) => {
    const req = https.get(`${c.apiUrl}${path}`, {
      ca: certs.ca,
      ...(opts.clientCertificate ? { cert: certs.pem(certs.clientCert), key: certs.pem(certs.clientKey) } : {}),
      headers: opts.headers,
    }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', resolve);
  });
}

describe('TLS with client certificates (mutual TLS)', () => {
  it('listens with https and grpcs', () => {
    expect(c.otlpHttpUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(c.otlpGrpcUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(c.apiUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores spans the SDK exporters send over https and grpcs with a client certificate', async () => {
    expect(await exportOneSpan(() => new ProtoExporter({ url: `${c.otlpHttpUrl}/v1/traces` }), 'tls-proto', exporterEnv(true))).toBeUndefined();
    expect(await exportOneSpan(() => new GrpcExporter({ url: c.otlpGrpcUrl }), 'tls-grpc', exporterEnv(true))).toBeUndefined();
    expect([await count('tls-proto'), await count('tls-grpc')]).toEqual([1, 1]);
  });

  it('refuses exporters without a client certificate, and plain text, before any request is read', async () => {
    expect(await exportOneSpan(() => new ProtoExporter({ url: `${c.otlpHttpUrl}/v1/traces` }), 'tls-no-client-cert', exporterEnv(false))).toBeInstanceOf(Error);
    const grpcError = await exportOneSpan(() => new GrpcExporter({ url: c.otlpGrpcUrl }), 'tls-no-client-cert', exporterEnv(false));
    expect((grpcError as Error & { code?: number }).code).toBe(status.UNAVAILABLE);
    // Plain HTTP and an insecure gRPC channel to the TLS ports.
    await expect(fetch(`${c.otlpHttpUrl.replace('https:', 'http:')}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).rejects.toThrow();
    const insecure = await exportOneSpan(() => new GrpcExporter({ url: c.otlpGrpcUrl.replace('https:', 'http:'), credentials: credentials.createInsecure(), metadata: new Metadata() }), 'tls-plain', { OTEL_EXPORTER_OTLP_HEADERS: `x-verdict-api-key=${INGEST}` });
    expect((insecure as Error & { code?: number }).code).toBe(status.UNAVAILABLE);
    expect(await count('tls-no-client-cert')).toBe(0);
    expect(await count('tls-plain')).toBe(0);
  });

  it('answers the API over https to a client with a certificate, and no one else', async () => {
    expect(await apiGet('/healthz', { clientCertificate: true })).toEqual({ status: 200, body: '{"status":"ok"}' });
    const sql = await apiGet(`/api/sql?query=${encodeURIComponent("SELECT count() AS n FROM otel_traces WHERE ServiceName = 'tls-proto'")}`, { clientCertificate: true, headers: { authorization: `Bearer ${READ}` } });
    expect(sql).toEqual({ status: 200, body: expect.stringContaining('"rows":[{"n":1}]') });
    expect(await apiGet('/healthz', { clientCertificate: false })).toBeInstanceOf(Error);
  });
});

describe('TLS settings', () => {
  it('serves TLS without client certificates when no client CA is set', async () => {
    const p = await startCollectorProcess({ args: ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey] });
    try {
      expect(p.output()).toMatch(/^\s+TLS\s+on: certificate .*server\.pem; no client certificates asked$/m);
      expect(p.otlpHttpUrl).toMatch(/^https:/);
      const grpcUrl = p.otlpGrpcUrl!.replace(/^http:/, 'https:');
      expect(await exportOneSpan(() => new ProtoExporter({ url: `${p.otlpHttpUrl}/v1/traces` }), 'tls-server-only', { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caCert })).toBeUndefined();
      expect(await exportOneSpan(() => new GrpcExporter({ url: grpcUrl }), 'tls-server-only', { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caCert })).toBeUndefined();
      // A client that does not trust the CA refuses the server.
      expect(await exportOneSpan(() => new ProtoExporter({ url: `${p.otlpHttpUrl}/v1/traces` }), 'tls-untrusted', {})).toBeInstanceOf(Error);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  }, 60_000);

  it('refuses to start with half a setting or a file it cannot use, naming it', async () => {
    const serve = (...args: string[]) => runCli(['serve', '--data-dir', newDataDir(), '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--api-port', '0', ...args]);
    const half = await serve('--tls-cert', certs.serverCert);
    expect([half.code, half.stderr]).toEqual([2, 'verdict: --tls-cert and --tls-key go together: set both, or neither\n']);
    const caAlone = await serve('--tls-client-ca', certs.caCert);
    expect(caAlone.stderr).toContain('--tls-client-ca needs --tls-cert and --tls-key');
    const missing = await serve('--tls-cert', certs.serverCert, '--tls-key', join(certs.dir, 'nope.key'));
    expect(missing.stderr).toBe(`verdict: cannot read --tls-key ${join(certs.dir, 'nope.key')}: ENOENT\n`);
    const mismatch = await serve('--tls-cert', certs.serverCert, '--tls-key', certs.clientKey);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/^verdict: cannot use --tls-cert .*server\.pem with --tls-key .*client\.key: .*key values mismatch/);
  }, 60_000);
});
