// The second factors of an account as the SDK sees them (docs/protocol.md, "Second factors").
// WebAuthn payloads are the JSON forms of WebAuthn Level 3: a browser hands them to and takes
// them from navigator.credentials (or a library such as @simplewebauthn/browser); the SDK only
// carries them.
import type {
  AuthenticationResponseJson,
  AuthFactors,
  OidcSignIn,
  Passkey,
  PasskeyRequestOptions,
  SecondFactorKind as ProtocolSecondFactorKind,
  TotpEnrolment as ProtocolTotpEnrolment,
} from "@parley/protocol";

/** A second factor that can stand in for the others at registration or linking. */
export type SecondFactorKind = ProtocolSecondFactorKind;

/** What the server needs before it registers (or links) a device of an account that has factors. */
export interface FactorRequirement {
  readonly pinRequired: boolean;
  /** Any one of these is enough; empty when no second factor is configured. */
  readonly secondFactors: readonly SecondFactorKind[];
  /** Options for navigator.credentials.get (PublicKeyCredentialRequestOptionsJSON), when a passkey may answer. */
  readonly passkeyOptions?: PasskeyRequestOptions;
}

/** Sent with a registration or link (the server's `factors` field). */
export interface FactorAnswers {
  readonly pin?: string;
  readonly totp?: string;
  readonly recoveryCode?: string;
  /** The authenticator's answer to `passkeyOptions` (AuthenticationResponseJSON). */
  readonly passkey?: AuthenticationResponseJson;
}

/** Why the factors are asked for again: the previous answer was refused. */
export interface FactorRetry {
  /** The server's code: PIN_INCORRECT, SECOND_FACTOR_INCORRECT or TOTP_CODE_REUSED. */
  readonly code: string;
  /** Attempts left today for the refused factor, when the server says. */
  readonly attemptsLeft?: number;
}

/** Asked during registration or linking when the account is protected; resolves with the answers. */
export type FactorPrompt = (requirement: FactorRequirement & { readonly retry?: FactorRetry }) => Promise<FactorAnswers>;

/** A passkey as listed among the account's factors. */
export type PasskeySummary = AuthFactors["passkeys"][number];

/** A passkey just added. */
export type AddedPasskey = Passkey;

/** The account's factors, as listed from any of its devices. */
export type AccountFactors = AuthFactors;

/** A pending TOTP enrolment: show `uri` as a QR code (or `secret` for typing in), then confirm a code. */
export type TotpEnrolment = ProtocolTotpEnrolment;

/** A sign-in to a third-party app waiting for this account's approval. */
export type PendingSignIn = OidcSignIn;
