// grpc-js logs through one process-wide logger, straight to stderr unless told otherwise, and its
// messages can quote request metadata whole ("Failed to add metadata entry authorization: …").
// This points it at the collector's own logger, every message through the key redaction.
import { setLogger } from '@grpc/grpc-js';
import { redactKeyText } from '../auth/api-keys.js';

export interface GrpcLibraryLog {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

/**
 * From now on grpc-js's errors are logged as warnings (they are about what a client sent, not
 * about the collector), its info and traces (GRPC_TRACE, GRPC_VERBOSITY) at info and debug.
 */
export function routeGrpcLogs(log: GrpcLibraryLog): void {
  const at = (level: keyof GrpcLibraryLog) => (...args: unknown[]) => log[level]({ source: 'grpc-js' }, redactKeyText(args.map(String).join(' ')));
  setLogger({ error: at('warn'), info: at('info'), debug: at('debug') });
}
