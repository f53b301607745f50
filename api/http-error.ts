// An answer a route gives on purpose (a 400 naming the bad parameter, a 404, a 403), with its
// status: routes throw it, and their plugin's error handler sends it as {"error", "statusCode"}.

export class HttpError extends Error {
  readonly code = 'HTTP_ERROR';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
