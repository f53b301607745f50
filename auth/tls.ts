// TLS for everything that listens (OTLP/HTTP, OTLP/gRPC, the API), so keys never cross a network
// in clear text: the certificate and key they present, and optionally the CA that clients'
// certificates must chain to (mutual TLS). Read and checked once at start; a bad file is an error
// naming the file, never its content.
import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';

export interface TlsSources {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
}

export interface TlsMaterial {
  /** PEM certificate chain the servers present. */
  cert: Buffer;
  /** PEM private key of that certificate. */
  key: Buffer;
  /** PEM CA certificates; when set, every client must present a certificate signed by one of them. */
  clientCa?: Buffer;
}

/** A certificate, key or CA file that cannot be used. */
export class TlsConfigError extends Error {
  readonly code = 'TLS_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

function read(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(`cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The TLS material the configuration names, or undefined when TLS is off. */
export function loadTls(sources: TlsSources): TlsMaterial | undefined {
  if (!sources.tlsCert || !sources.tlsKey) return undefined;
  const tls: TlsMaterial = {
    cert: read('--tls-cert', sources.tlsCert),
    key: read('--tls-key', sources.tlsKey),
    ...(sources.tlsClientCa ? { clientCa: read('--tls-client-ca', sources.tlsClientCa) } : {}),
  };
  try {
    // The same check a server makes at its first handshake, made now: a key that does not match
    // the certificate, or a file that is not PEM, stops the start instead of every connection.
    createSecureContext(httpsServerOptions(tls));
  } catch (err) {
    // OpenSSL's reason ("key values mismatch", "no start line"), which quotes no content.
    throw new TlsConfigError(`cannot use --tls-cert ${sources.tlsCert} with --tls-key ${sources.tlsKey}${sources.tlsClientCa ? ` and --tls-client-ca ${sources.tlsClientCa}` : ''}: ${(err as Error).message}`);
  }
  return tls;
}

/** Node's https/tls server options for the material: with a client CA, a client without a certificate it signed cannot connect. */
export function httpsServerOptions(tls: TlsMaterial): TlsOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
}
