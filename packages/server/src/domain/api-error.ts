import { ErrorCode, httpStatusOf } from "@parley/protocol";

/**
 * A failure the client is told about: a stable code, a message free of user data and secrets,
 * and code-specific details. Transports turn it into a response with the code's status.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers (Retry-After, say). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get status(): number {
    return httpStatusOf(this.code);
  }
}

export { ErrorCode };
