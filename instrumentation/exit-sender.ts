// Child-process entry of the exit path: reads {config, batch} JSON on stdin, rebuilds the exporter the parent
// used and the spans it could not send, exports them, and exits 0 only when the collector acknowledged them.
// Started by exit-delivery.ts; never imported.

import { ExportResultCode } from '@opentelemetry/core';
import { createExporter, type ExportConfig } from './exporter-from-env.js';
import { restoreSpans, type SpanBatchSnapshot } from './span-snapshot.js';

export interface ExitSenderInput {
  config: ExportConfig;
  batch: SpanBatchSnapshot;
}

async function main(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExitSenderInput;
  const exporter = createExporter(input.config);
  if (!exporter) return 0;
  const spans = restoreSpans(input.batch);
  const code = await new Promise<ExportResultCode>((resolve) => exporter.export(spans, (result) => resolve(result.code)));
  await exporter.shutdown().catch(() => undefined);
  return code === ExportResultCode.SUCCESS ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  () => process.exit(1),
);
