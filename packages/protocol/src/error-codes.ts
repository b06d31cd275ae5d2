// Every error the API returns carries one of these stable codes. Clients branch on `code`, never
// on the message text. This is the one place that maps a code to its HTTP status; the WebSocket
// request/response model uses the same statuses. Messages never contain user data or secrets.

export const ErrorCode = {
  /** The body or a parameter does not match the schema: a field is missing, mistyped or out of range. */
  InvalidRequest: "INVALID_REQUEST",
  /** No credentials, or credentials that do not match a device. */
  Unauthorized: "UNAUTHORIZED",
  /** Authenticated, but the device may not do this (a linked device managing devices, say). */
  Forbidden: "FORBIDDEN",
  /** No route for this method and path. */
  RouteNotFound: "ROUTE_NOT_FOUND",
  /** The account named in the path does not exist. */
  AccountNotFound: "ACCOUNT_NOT_FOUND",
  /** The device named in the path does not exist. */
  DeviceNotFound: "DEVICE_NOT_FOUND",
  /** The envelopes do not cover the recipient's devices exactly: some are missing or extra. */
  MismatchedDevices: "MISMATCHED_DEVICES",
  /** Some envelopes were encrypted for an earlier registration of the device. */
  StaleDevices: "STALE_DEVICES",
  /** One envelope is larger than the configured maximum. */
  EnvelopeTooLarge: "ENVELOPE_TOO_LARGE",
  /** The request body is larger than the configured maximum. */
  BodyTooLarge: "BODY_TOO_LARGE",
  /** A request carries more envelopes or keys than the configured maximum. */
  TooManyItems: "TOO_MANY_ITEMS",
  /** The body's content type is not one the route accepts. */
  UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
  /** A phone number that is not a valid E.164 number. */
  InvalidPhoneNumber: "INVALID_PHONE_NUMBER",
  /** A username outside the allowed characters or length. */
  InvalidUsername: "INVALID_USERNAME",
  /** The verification session does not exist or has expired. */
  VerificationSessionNotFound: "VERIFICATION_SESSION_NOT_FOUND",
  /** The verification code is wrong. */
  VerificationCodeIncorrect: "VERIFICATION_CODE_INCORRECT",
  /** The verification code has expired; request a new one. */
  VerificationCodeExpired: "VERIFICATION_CODE_EXPIRED",
  /** Too many wrong codes for this session; request a new one. */
  VerificationAttemptsExhausted: "VERIFICATION_ATTEMPTS_EXHAUSTED",
  /** The verification session has not been verified with a code yet. */
  VerificationRequired: "VERIFICATION_REQUIRED",
  /** The verification code could not be handed to the delivery gateway. */
  VerificationDeliveryFailed: "VERIFICATION_DELIVERY_FAILED",
  /** A public key that cannot be decoded (wrong length or type byte, not a point). */
  InvalidKey: "INVALID_KEY",
  /** A prekey signature that does not verify with the account's identity key. */
  InvalidSignature: "INVALID_SIGNATURE",
  /** The identity key differs from the account's identity key. */
  IdentityKeyMismatch: "IDENTITY_KEY_MISMATCH",
  /** The account already has the maximum number of devices. */
  DeviceLimitReached: "DEVICE_LIMIT_REACHED",
  /** The linking token is unknown, used or expired. */
  LinkTokenInvalid: "LINK_TOKEN_INVALID",
  /** No provisioning socket is waiting at this address. */
  ProvisioningAddressNotFound: "PROVISIONING_ADDRESS_NOT_FOUND",
  /** A device-list signature that does not verify with the account's identity key. */
  DeviceListSignatureInvalid: "DEVICE_LIST_SIGNATURE_INVALID",
  /** The stored device list's version is the same or higher; publish a higher one. */
  DeviceListStale: "DEVICE_LIST_STALE",
  /** The account has not published a device list. */
  DeviceListNotFound: "DEVICE_LIST_NOT_FOUND",
  /** The device has not uploaded the keys needed to build a session with it. */
  KeysNotFound: "KEYS_NOT_FOUND",
  /** Too many requests; retry after the time the response gives. */
  RateLimited: "RATE_LIMITED",
  /** Too many open connections from this address or account; retry after the time the response gives. */
  TooManyConnections: "TOO_MANY_CONNECTIONS",
  /** The client's address is refused by the server's IP rules. */
  AddressDenied: "ADDRESS_DENIED",
  /** The server is starting, draining or has lost a dependency; retry elsewhere or later. */
  Unavailable: "UNAVAILABLE",
  /** A fault on the server; nothing about the request is known to have been stored. */
  Internal: "INTERNAL",
  /** The account has a registration lock PIN or second factor and the request did not give it (details: pinRequired, secondFactors). */
  RegistrationLocked: "REGISTRATION_LOCKED",
  /** The registration lock PIN is wrong (details: attemptsLeft). */
  PinIncorrect: "PIN_INCORRECT",
  /** A wrong TOTP code, an unknown or used recovery code, or a passkey assertion that does not verify (details: attemptsLeft). */
  SecondFactorIncorrect: "SECOND_FACTOR_INCORRECT",
  /** A TOTP code of a time step that was already used; wait for the next code. */
  TotpCodeReused: "TOTP_CODE_REUSED",
  /** The passkey challenge is unknown, used or expired; request a new one. */
  ChallengeNotFound: "CHALLENGE_NOT_FOUND",
  /** Too many wrong PINs or second factors for this account today; retry after the time the response gives. */
  FactorAttemptsExhausted: "FACTOR_ATTEMPTS_EXHAUSTED",
  /** There is no pending TOTP enrolment to confirm; start one first. */
  TotpNotPending: "TOTP_NOT_PENDING",
  /** The passkey registration response does not verify. */
  PasskeyRegistrationFailed: "PASSKEY_REGISTRATION_FAILED",
  /** The passkey named in the path does not exist. */
  PasskeyNotFound: "PASSKEY_NOT_FOUND",
  /** The account already has the maximum number of passkeys. */
  PasskeyLimitReached: "PASSKEY_LIMIT_REACHED",
  /** No pending sign-in has this code: it never existed, expired, or was already answered. */
  SignInNotFound: "SIGN_IN_NOT_FOUND",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const statusOf: Record<ErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  MISMATCHED_DEVICES: 409,
  STALE_DEVICES: 410,
  ENVELOPE_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  TOO_MANY_ITEMS: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_PHONE_NUMBER: 422,
  INVALID_USERNAME: 422,
  VERIFICATION_SESSION_NOT_FOUND: 404,
  VERIFICATION_CODE_INCORRECT: 403,
  VERIFICATION_CODE_EXPIRED: 410,
  VERIFICATION_ATTEMPTS_EXHAUSTED: 429,
  VERIFICATION_REQUIRED: 403,
  VERIFICATION_DELIVERY_FAILED: 502,
  INVALID_KEY: 422,
  INVALID_SIGNATURE: 422,
  IDENTITY_KEY_MISMATCH: 409,
  DEVICE_LIMIT_REACHED: 409,
  LINK_TOKEN_INVALID: 403,
  PROVISIONING_ADDRESS_NOT_FOUND: 404,
  DEVICE_LIST_SIGNATURE_INVALID: 422,
  DEVICE_LIST_STALE: 409,
  DEVICE_LIST_NOT_FOUND: 404,
  KEYS_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 429,
  ADDRESS_DENIED: 403,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  REGISTRATION_LOCKED: 423,
  PIN_INCORRECT: 403,
  SECOND_FACTOR_INCORRECT: 403,
  TOTP_CODE_REUSED: 403,
  CHALLENGE_NOT_FOUND: 404,
  FACTOR_ATTEMPTS_EXHAUSTED: 429,
  TOTP_NOT_PENDING: 409,
  PASSKEY_REGISTRATION_FAILED: 422,
  PASSKEY_NOT_FOUND: 404,
  PASSKEY_LIMIT_REACHED: 409,
  SIGN_IN_NOT_FOUND: 404,
};

/** The HTTP status (and WebSocket response status) that carries `code`. */
export function httpStatusOf(code: ErrorCode): number {
  return statusOf[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(statusOf, value);
}

/** The JSON body of every error response. `details` is code-specific (see docs/protocol.md). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}
