// What the queue answers when it cannot take a request. Each error carries a `code` so the
// receivers map it to a protocol status (HTTP, gRPC) without matching on messages.

/** Too much is waiting to be stored: the sender should retry later (HTTP 503 / gRPC UNAVAILABLE). */
export class OverloadedError extends Error {
  readonly code = 'OVERLOADED';
  constructor(message: string) {
    super(message);
    this.name = 'OverloadedError';
  }
}

/**
 * One request's spans need more room than the whole queue has: retrying can never succeed, so the
 * sender is told so (HTTP 413 / gRPC RESOURCE_EXHAUSTED without RetryInfo) instead of 503 forever.
 */
export class RecordTooLargeError extends Error {
  readonly code = 'RECORD_TOO_LARGE';
  constructor(message: string) {
    super(message);
    this.name = 'RecordTooLargeError';
  }
}

/** The queue could not write to its disk; nothing of the failed group was acknowledged. */
export class QueueWriteError extends Error {
  readonly code = 'QUEUE_WRITE_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueWriteError';
  }
}
