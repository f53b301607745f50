// Errors the CLI reports as a one-line message and an exit status, without a stack trace.

export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
