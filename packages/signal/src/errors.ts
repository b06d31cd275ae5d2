// Every failure of the protocol package is a SignalError with a stable code. Callers branch on
// `code`, never on the message text; messages never contain key material or plaintext.

export const SignalErrorCode = {
  /** A key has the wrong length, an unknown type byte, or is not a valid point. */
  InvalidKey: "INVALID_KEY",
  /** A signature (signed prekey, Kyber prekey, sender key message) did not verify. */
  InvalidSignature: "INVALID_SIGNATURE",
  /** A message or bundle is truncated, malformed, or has a field of the wrong size. */
  InvalidMessage: "INVALID_MESSAGE",
  /** The message's version byte is not one this library speaks. */
  UnsupportedVersion: "UNSUPPORTED_VERSION",
  /** A message's MAC did not match: forged or corrupted, or encrypted for another session. */
  InvalidMac: "INVALID_MAC",
  /** The message key for this counter was already used (a replay or a duplicate delivery). */
  DuplicateMessage: "DUPLICATE_MESSAGE",
  /** The counter jumps further ahead than the protocol allows (25,000 messages). */
  TooFarInFuture: "TOO_FAR_IN_FUTURE",
  /** Input exceeds a size limit. */
  MessageTooLarge: "MESSAGE_TOO_LARGE",
  /** No session exists for the address, or none that can decrypt this message. */
  NoSession: "NO_SESSION",
  /** The remote identity key differs from the trusted one: the caller must decide. */
  UntrustedIdentity: "UNTRUSTED_IDENTITY",
  /** A referenced one-time prekey, signed prekey or Kyber prekey is not in the store. */
  InvalidPreKeyId: "INVALID_PREKEY_ID",
  InvalidSignedPreKeyId: "INVALID_SIGNED_PREKEY_ID",
  InvalidKyberPreKeyId: "INVALID_KYBER_PREKEY_ID",
  /** A PreKey message reuses a base key already seen with a last-resort Kyber key: a replay. */
  ReusedBaseKey: "REUSED_BASE_KEY",
  /** No sender key state exists for this sender and distribution. */
  NoSenderKeyState: "NO_SENDER_KEY_STATE",
  /** Serialized state (a session or sender-key record) could not be read. */
  InvalidState: "INVALID_STATE",
  /** A scanned fingerprint has another version (a different identity compares as unequal). */
  FingerprintVersionMismatch: "FINGERPRINT_VERSION_MISMATCH",
} as const;

export type SignalErrorCode = (typeof SignalErrorCode)[keyof typeof SignalErrorCode];

export class SignalError extends Error {
  override readonly name = "SignalError";
  constructor(
    readonly code: SignalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSignalError(value: unknown, code?: SignalErrorCode): value is SignalError {
  return value instanceof SignalError && (code === undefined || value.code === code);
}
