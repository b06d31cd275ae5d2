// Failures the terminal client itself raises, with stable codes (printed beside the message and
// in --json errors), and the one place that turns any error into the code and message shown.
// Codes of the SDK, the server and the local store are shown as they are.

export const CliErrorCode = {
  /** The command line is incomplete or contradictory. */
  Usage: "USAGE",
  /** No passphrase could be read: no PARLEY_PASSPHRASE, no --passphrase-file, stdin not a terminal. */
  PassphraseRequired: "PASSPHRASE_REQUIRED",
  /** The two passphrases typed for a new profile differ. */
  PassphraseMismatch: "PASSPHRASE_MISMATCH",
  /** The profile has no local store yet: register or link first. */
  ProfileNotFound: "PROFILE_NOT_FOUND",
  /** register or link on a profile that already holds a device. */
  ProfileInUse: "PROFILE_ALREADY_REGISTERED",
  /** A contact argument names nobody known. */
  ContactUnknown: "CONTACT_UNKNOWN",
  /** Registration needs a verification code and none was given (end of input). */
  CodeRequired: "VERIFICATION_CODE_REQUIRED",
  /** The verification code is not right (given with --code, or the last attempt). */
  CodeIncorrect: "VERIFICATION_CODE_INCORRECT",
  /** The account is protected and the factor it needs was not given (end of input, or a passkey a terminal cannot answer). */
  FactorRequired: "FACTOR_REQUIRED",
  /** A factor given on the command line (--pin-file, --totp, --recovery-code) was refused. */
  FactorIncorrect: "FACTOR_INCORRECT",
  /** The server could not be reached over the network. */
  ServerUnreachable: "SERVER_UNREACHABLE",
  /** A wait with a deadline ran out. */
  Timeout: "TIMEOUT",
  /** A message could not be sent and will not be retried. */
  SendFailed: "SEND_FAILED",
  /** Stopped by the user (Ctrl-C or SIGTERM). */
  Interrupted: "INTERRUPTED",
  /** Anything without a code of its own: a bug, shown with its stack under PARLEY_DEBUG=1. */
  Internal: "INTERNAL",
} as const;

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Process exit status for an error: 130 after an interrupt, like a shell; 2 for usage; else 1. */
export function exitStatusOf(error: unknown): number {
  const { code } = describeError(error);
  if (code === CliErrorCode.Interrupted) return 130;
  if (code === CliErrorCode.Usage) return 2;
  return 1;
}

const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);

/** The stable code and a one-line message for any error. Never includes stored values or keys. */
export function describeError(error: unknown): { code: string; message: string } {
  const network = networkCause(error);
  if (network !== undefined) return { code: CliErrorCode.ServerUnreachable, message: `cannot reach the server (${network})` };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]*$/.test(code)) return { code, message: error.message };
    return { code: CliErrorCode.Internal, message: error.message || error.name };
  }
  return { code: CliErrorCode.Internal, message: String(error) };
}

/** fetch rejects with TypeError("fetch failed") whose cause carries the system error code. */
function networkCause(error: unknown): string | undefined {
  if (!(error instanceof TypeError)) return undefined;
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && networkCodes.has(code)) return code;
    // A host with several addresses fails with one error per address.
    cause = cause instanceof AggregateError ? cause.errors[0] : cause.cause;
  }
  if (error.message !== "fetch failed") return undefined;
  return error.cause instanceof Error && error.cause.message ? error.cause.message : "network error";
}
