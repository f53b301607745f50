// What a placement's insert can fail with, as the inserter needs to tell them apart: retry later
// (the store is down or busy) or set the batch aside (its bytes can never be stored).
import { existsSync } from 'node:fs';

/** The store rejected a write or could not be reached: the caller should retry later. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The store refused a batch for what it contains (its bytes are not readable rows, or its file is
 * gone): retrying cannot help, so the batch is set aside instead of holding up the queue.
 */
export class BatchRejectedError extends Error {
  readonly code = 'BATCH_REJECTED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BatchRejectedError';
  }
}

/** The CLI's read-only local mode found no Verdict data where it was asked to look. */
export class NoStoreError extends Error {
  readonly code = 'NO_STORE';
  constructor(message: string) {
    super(message);
    this.name = 'NoStoreError';
  }
}

// Errors that depend only on the batch's bytes (ClickHouse codes: ATTEMPT_TO_READ_AFTER_EOF,
// CANNOT_READ_ALL_DATA, INCORRECT_DATA, TOO_LARGE_ARRAY_SIZE, TOO_LARGE_STRING_SIZE,
// SIZES_OF_ARRAYS_DONT_MATCH), or a batch file that is gone. Anything else (the store down,
// overloaded, read-only, a table missing) may pass later and is retried.
const BAD_BATCH_CODES = new Set(['32', '33', '117', '128', '131', '190']);

/** Classifies a failed segment insert: BatchRejectedError when retrying cannot help, else StoreUnavailableError. */
export function insertFailure(what: string, dataPath: string, err: unknown): Error {
  const message = `${what}: ${(err as Error).message}`;
  const code = (err as { code?: unknown }).code;
  if ((typeof code === 'string' && BAD_BATCH_CODES.has(code)) || !existsSync(dataPath)) return new BatchRejectedError(message, { cause: err });
  return new StoreUnavailableError(message, { cause: err });
}
