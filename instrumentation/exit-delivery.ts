// Delivers spans synchronously while the process is exiting ('exit' handlers cannot wait for I/O): the spans
// go as JSON to a child Node process that exports them with the same exporter settings, and this process
// blocks on it for at most a bounded time. Costs a Node start-up, paid only when spans would otherwise be lost.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ExitSenderInput } from './exit-sender.js';
import type { ExportConfig } from './exporter-from-env.js';
import { snapshotSpans } from './span-snapshot.js';

export const DEFAULT_EXIT_DELIVERY_TIMEOUT_MS = 2000;

export interface ExitDeliveryResult {
  delivered: boolean;
  reason?: 'no-spans' | 'not-exportable' | 'sender-missing' | 'failed' | 'timeout';
}

const SENDER_PATH = fileURLToPath(new URL('./exit-sender.js', import.meta.url));

export function deliverSpansSync(
  spans: readonly ReadableSpan[],
  config: ExportConfig,
  timeoutMs: number = DEFAULT_EXIT_DELIVERY_TIMEOUT_MS,
): ExitDeliveryResult {
  if (spans.length === 0) return { delivered: false, reason: 'no-spans' };
  if (config.kind !== 'otlp') return { delivered: false, reason: 'not-exportable' };
  // Running from TypeScript sources (a test runner), there is no compiled sender to start.
  if (!existsSync(SENDER_PATH)) return { delivered: false, reason: 'sender-missing' };
  const input: ExitSenderInput = { config, batch: snapshotSpans(spans) };
  const result = spawnSync(process.execPath, [SENDER_PATH], {
    input: JSON.stringify(input),
    timeout: timeoutMs,
    stdio: ['pipe', 'ignore', 'ignore'],
    // The child inherits NODE_OPTIONS, which may preload verdict/register: keep that copy inert.
    env: { ...process.env, OTEL_SDK_DISABLED: 'true' },
    windowsHide: true,
  });
  if (result.error || result.signal) {
    const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || result.signal === 'SIGTERM';
    return { delivered: false, reason: timedOut ? 'timeout' : 'failed' };
  }
  return result.status === 0 ? { delivered: true } : { delivered: false, reason: 'failed' };
}
