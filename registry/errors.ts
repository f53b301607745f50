// Refusals of a registry change, each with the HTTP status the API answers: a rule the change
// would break (409) or input that cannot be a change at all (400).

export class RegistryConflictError extends Error {
  readonly code = 'REGISTRY_CONFLICT';
  readonly statusCode = 409;
  constructor(message: string) {
    super(message);
    this.name = 'RegistryConflictError';
  }
}

export class RegistryInputError extends Error {
  readonly code = 'REGISTRY_INPUT';
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'RegistryInputError';
  }
}
