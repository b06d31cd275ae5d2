// Errors the SDK raises, each with a stable code callers can branch on. Errors from the server
// keep the server's own code (see @parley/protocol's ErrorCode) in `ApiRequestError`.

export const SdkErrorCode = {
  /** The local store holds no account: register or link first. */
  NotRegistered: "NOT_REGISTERED",
  /** The local store already holds an account; use a fresh store to register again. */
  AlreadyRegistered: "ALREADY_REGISTERED",
  /** The socket closed before the request was answered; whether the server acted is unknown. */
  ConnectionClosed: "CONNECTION_CLOSED",
  /** No answer within the request timeout; whether the server acted is unknown. */
  RequestTimeout: "REQUEST_TIMEOUT",
  /** The server sent something that does not follow the protocol. */
  ProtocolViolation: "PROTOCOL_VIOLATION",
  /** The contact's identity key changed and the user has not accepted the new one yet. */
  IdentityUntrusted: "IDENTITY_UNTRUSTED",
  /** A device of the contact is not in the contact's signed device list. */
  DeviceUnverified: "DEVICE_UNVERIFIED",
  /** The device was removed from its account; its credentials no longer work. */
  DeviceRemoved: "DEVICE_REMOVED",
  /** The client was closed. */
  Closed: "CLIENT_CLOSED",
  /** Linking a new device failed (bad code, timeout, refused by the server). */
  LinkFailed: "LINK_FAILED",
  /** The account needs a PIN or second factor to register or link a device, and no prompt was given. */
  FactorsRequired: "FACTORS_REQUIRED",
  /** An argument is invalid (unknown message, empty text, ...). */
  InvalidArgument: "INVALID_ARGUMENT",
} as const;
export type SdkErrorCode = (typeof SdkErrorCode)[keyof typeof SdkErrorCode];

/** Every error the SDK raises; subclasses narrow `code` to their own set of codes. */
export class ParleyError<Code extends string = string> extends Error {
  override readonly name: string = "ParleyError";
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A non-2xx answer from the server. `code` is the server's error code. */
export class ApiRequestError extends ParleyError {
  override readonly name = "ApiRequestError";
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(code, message);
  }
}

/** Whether retrying the same request later may succeed (transport failures, 429, 5xx). */
export function isTransient(error: unknown): boolean {
  if (error instanceof ApiRequestError) return error.status === 429 || error.status >= 500;
  if (error instanceof ParleyError) return error.code === SdkErrorCode.ConnectionClosed || error.code === SdkErrorCode.RequestTimeout;
  // fetch rejects with a TypeError when the network fails.
  return error instanceof TypeError;
}
