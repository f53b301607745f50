// Who may do what: ingest keys send spans, read keys use the API. Keys come from the environment
// (comma-separated) and/or a JSON keys file, are held only as SHA-256 digests and compared in
// constant time; without keys the collector must stay on loopback unless told it is insecure.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type KeyRole = 'ingest' | 'read';

export interface ApiKeys {
  /** True when at least one key is configured: every request then needs one. */
  readonly enabled: boolean;
  readonly counts: Readonly<Record<KeyRole, number>>;
  /** What a request presenting `key` may do (empty for a missing or unknown key). */
  roles(key: string | undefined): ReadonlySet<KeyRole>;
  /** The name the keys file gives `key` (`{ "key": "…", "name": "ci" }`), if any: who made a registry change. */
  nameOf?(key: string | undefined): string | undefined;
}

/** The outcome of checking a request: allowed, or the status to answer and why. */
export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; message: string };

/** A keys file that cannot be read, or a key that is too weak to be one. */
export class ApiKeyConfigError extends Error {
  readonly code = 'API_KEY_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyConfigError';
  }
}

/** Non-loopback bind without keys and without --insecure. */
export class InsecureBindError extends Error {
  readonly code = 'INSECURE_BIND';
  constructor(host: string) {
    super(
      `refusing to listen on ${host} without API keys: anyone who can reach it could send spans and read them. ` +
        'Set VERDICT_INGEST_KEYS and VERDICT_READ_KEYS (or --keys-file), bind to 127.0.0.1, or pass --insecure to accept the risk',
    );
    this.name = 'InsecureBindError';
  }
}

/** Short keys are guessable; 16 characters is the least we take (32 random bytes in base64url is typical). */
export const MIN_KEY_LENGTH = 16;

/** Header names a key may arrive in (lower case, as Node and gRPC metadata give them). */
export const KEY_HEADERS = ['authorization', 'x-verdict-api-key'] as const;

/** Log paths pino must never print: the keys travel in these headers. */
export const REDACTED_LOG_PATHS = ['req.headers.authorization', 'req.headers["x-verdict-api-key"]', 'headers.authorization', 'headers["x-verdict-api-key"]'];

export interface KeySources {
  ingestKeys: string[];
  readKeys: string[];
  keysFile?: string;
}

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** Reads the keys from the configuration and the keys file (`{ "ingest": [...], "read": [...] }`). */
export function loadApiKeys(sources: KeySources): ApiKeys {
  const ingest = [...sources.ingestKeys];
  const read = [...sources.readKeys];
  const names = new Map<string, string>();
  if (sources.keysFile) {
    const file = readKeysFile(sources.keysFile, names);
    ingest.push(...file.ingest);
    read.push(...file.read);
  }
  for (const key of [...ingest, ...read]) {
    // The message names the length only: a key must never reach a log or a terminal.
    if (key.length < MIN_KEY_LENGTH) throw new ApiKeyConfigError(`an API key has ${key.length} characters; keys need at least ${MIN_KEY_LENGTH}`);
  }
  return createApiKeys({ ingest, read }, names);
}

export function createApiKeys(keys: Record<KeyRole, string[]>, names: ReadonlyMap<string, string> = new Map()): ApiKeys {
  const entries = (['ingest', 'read'] as const).flatMap((role) => keys[role].map((key) => ({ role, digest: digest(key) })));
  // Names are looked up by the key's digest, so the keys themselves are not held here either.
  const named = new Map([...names].map(([key, name]) => [digest(key).toString('hex'), name]));
  return {
    nameOf: (key) => (key ? named.get(digest(key).toString('hex')) : undefined),
    enabled: entries.length > 0,
    counts: { ingest: new Set(keys.ingest).size, read: new Set(keys.read).size },
    roles(key) {
      const roles = new Set<KeyRole>();
      if (key === undefined || key === '') return roles;
      // Digests have one length whatever the key's, and every entry is compared (no early exit):
      // the time taken tells nothing about the key or how much of it matched.
      const presented = digest(key);
      for (const entry of entries) if (timingSafeEqual(presented, entry.digest)) roles.add(entry.role);
      return roles;
    },
  };
}

function readKeysFile(path: string, names: Map<string, string>): Record<KeyRole, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // Not the file's content: a JSON parse error can quote part of it.
    const reason = (err as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new ApiKeyConfigError(`cannot read the keys file ${path}: ${reason}`);
  }
  const shape = `the keys file ${path} must be JSON like { "ingest": ["…" or { "key": "…", "name": "…" }], "read": ["…"] }`;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiKeyConfigError(shape);
  const out: Record<KeyRole, string[]> = { ingest: [], read: [] };
  for (const [field, value] of Object.entries(parsed)) {
    if (field !== 'ingest' && field !== 'read') throw new ApiKeyConfigError(`${shape}; unknown field ${JSON.stringify(field)}`);
    const entry = (k: unknown) => typeof k === 'string' || (typeof k === 'object' && k !== null && typeof (k as { key?: unknown }).key === 'string' && typeof (k as { name?: unknown }).name === 'string');
    if (!Array.isArray(value) || !value.every(entry)) throw new ApiKeyConfigError(`${shape}; "${field}" must be an array of strings (or of { "key", "name" } objects)`);
    out[field] = (value as Array<string | { key: string; name: string }>).map((k) => {
      if (typeof k === 'string') return k.trim();
      names.set(k.key.trim(), k.name.trim());
      return k.key.trim();
    }).filter((k) => k !== '');
  }
  return out;
}

/**
 * The key a request presents: `Authorization: Bearer <key>` (RFC 6750: the scheme, one or more
 * spaces, the key; whitespace around the value is not part of it, as HTTP says) or
 * `x-verdict-api-key: <key>`. One grammar for HTTP and gRPC alike: a tab after `Bearer` is not a
 * Bearer credential on either (gRPC metadata cannot even carry one).
 */
export function presentedKey(header: (name: (typeof KEY_HEADERS)[number]) => string | undefined): string | undefined {
  const authorization = header('authorization');
  if (authorization) {
    const m = /^Bearer +([^\s]+)$/i.exec(trimOws(authorization));
    if (m) return m[1];
  }
  const direct = header('x-verdict-api-key');
  return direct === undefined || trimOws(direct) === '' ? undefined : trimOws(direct);
}

/** HTTP's optional whitespace (space, tab) around a field value. */
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/** May a request presenting `key` do what needs `role`? 401 without a known key, 403 with the other kind. */
export function decide(keys: ApiKeys, key: string | undefined, role: KeyRole): AccessDecision {
  if (!keys.enabled) return { allowed: true };
  const roles = keys.roles(key);
  if (roles.has(role)) return { allowed: true };
  if (roles.size === 0) {
    return { allowed: false, status: 401, message: key === undefined ? `missing API key: send an ${role} key as "Authorization: Bearer <key>" or "x-verdict-api-key"` : 'unknown API key' };
  }
  const other = role === 'ingest' ? 'a read key cannot send spans: use an ingest key' : 'an ingest key cannot read: use a read key';
  return { allowed: false, status: 403, message: other };
}

/** True for addresses only this machine can reach. Host names other than localhost count as not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** Without keys, only loopback; `insecure` is the operator saying a network boundary protects it. */
export function assertSafeBind(host: string, keys: ApiKeys, insecure: boolean): void {
  if (!keys.enabled && !insecure && !isLoopbackHost(host)) throw new InsecureBindError(host);
}

/** Reads one header of a Node request (the first, when repeated). */
export function headerOf(headers: Readonly<Record<string, string | string[] | undefined>>): (name: string) => string | undefined {
  return (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}

/** The decision for a request, whatever carries its headers (HTTP headers, gRPC metadata). */
export function decideRequest(keys: ApiKeys, header: (name: string) => string | undefined, role: KeyRole): AccessDecision {
  if (!keys.enabled) return { allowed: true };
  const key = presentedKey(header);
  if (key === undefined && header('authorization') !== undefined) {
    return { allowed: false, status: 401, message: `malformed Authorization header: send "Bearer <key>" (the scheme, a space, the ${role} key) or "x-verdict-api-key: <key>"` };
  }
  return decide(keys, key, role);
}

/** Where a key could follow in free text: the name of a header that carries one, or the Bearer scheme. */
const KEY_MENTION = new RegExp(`${KEY_HEADERS.join('|')}|bearer`, 'i');

/**
 * Free text from a library that may quote request headers whole (grpc-js: "Failed to add metadata
 * entry authorization: Bearer\t<key>…"), made safe to log: everything from the first mention of a
 * key header or of the Bearer scheme on is cut. pino's path redaction cannot reach inside a string.
 */
export function redactKeyText(text: string): string {
  const m = KEY_MENTION.exec(text);
  return m ? `${text.slice(0, m.index + m[0].length)} [redacted]` : text;
}
