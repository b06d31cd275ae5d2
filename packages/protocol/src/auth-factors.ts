// The JSON bodies of the second-factor routes (/v1/auth/*) and the `factors` field of
// registration and linking, as TypeBox schemas like api.ts. Self-contained (api.ts imports from
// here, not the other way round), and every string and array is bounded.
//
// The WebAuthn shapes follow the JSON serialization of the WebAuthn Level 3 specification
// (PublicKeyCredential.toJSON()); binary values there are base64url without padding.
import Type, { type Static } from "typebox";

const base64UrlPattern = "^[A-Za-z0-9_-]*$";

/** Base64url without padding, of at most `maxBytes` bytes. */
function Base64Url(maxBytes: number, description?: string) {
  return Type.String({ pattern: base64UrlPattern, maxLength: Math.ceil((maxBytes * 4) / 3), ...(description ? { description } : {}) });
}

const Time = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Milliseconds since the epoch." });

/** Credential ids are at most 1,023 bytes (WebAuthn). */
const CredentialId = Base64Url(1023, "A WebAuthn credential id (base64url).");
const ClientExtensionResults = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 16 });
const Transports = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 });

/** A PIN: 4 to 64 characters, digits or any text. */
export const Pin = Type.String({ minLength: 4, maxLength: 64 });
export const TotpCode = Type.String({ pattern: "^[0-9]{6}$", description: "A 6-digit TOTP code." });
export const RecoveryCode = Type.String({ minLength: 1, maxLength: 32, description: "A recovery code, as shown (xxxx-xxxx-xxxx)." });
export const ChallengeId = Type.String({ minLength: 1, maxLength: 64 });
export const SecondFactorKind = Type.Union([Type.Literal("totp"), Type.Literal("recoveryCode"), Type.Literal("passkey")]);

export const RegistrationResponseJson = Type.Object(
  {
    id: CredentialId,
    rawId: CredentialId,
    response: Type.Object({
      clientDataJSON: Base64Url(4096),
      attestationObject: Base64Url(16 * 1024),
      authenticatorData: Type.Optional(Base64Url(8 * 1024)),
      transports: Type.Optional(Transports),
      publicKeyAlgorithm: Type.Optional(Type.Integer({ minimum: -65536, maximum: 65536 })),
      publicKey: Type.Optional(Base64Url(8 * 1024)),
    }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
    clientExtensionResults: ClientExtensionResults,
    type: Type.Literal("public-key"),
  },
  { description: "What navigator.credentials.create() returned, as PublicKeyCredential.toJSON() serializes it." },
);

export const AuthenticationResponseJson = Type.Object(
  {
    id: CredentialId,
    rawId: CredentialId,
    response: Type.Object({
      clientDataJSON: Base64Url(4096),
      authenticatorData: Base64Url(8 * 1024),
      // ML-DSA-87 signatures (COSE -50, offered where the runtime has ML-DSA) are 4,627 bytes.
      signature: Base64Url(8 * 1024),
      userHandle: Type.Optional(Base64Url(64)),
    }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
    clientExtensionResults: ClientExtensionResults,
    type: Type.Literal("public-key"),
  },
  { description: "What navigator.credentials.get() returned, as PublicKeyCredential.toJSON() serializes it." },
);

/** The factors a registration or a link presents; which are needed, POST /v1/auth/challenges tells. */
export const Factors = Type.Object(
  {
    pin: Type.Optional(Pin),
    totp: Type.Optional(TotpCode),
    recoveryCode: Type.Optional(RecoveryCode),
    passkey: Type.Optional(
      Type.Object({ challengeId: ChallengeId, response: AuthenticationResponseJson }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const AuthFactors = Type.Object({
  pin: Type.Object({ enabled: Type.Boolean(), updatedAt: Type.Optional(Time) }),
  totp: Type.Object({
    enabled: Type.Boolean(),
    confirmedAt: Type.Optional(Time),
    recoveryCodesLeft: Type.Integer({ minimum: 0 }),
  }),
  passkeys: Type.Array(
    Type.Object({ id: Type.String(), name: Type.String(), createdAt: Time, lastUsedAt: Type.Optional(Time) }),
  ),
});

export const SetPin = Type.Object({ pin: Pin }, { additionalProperties: false });

export const TotpEnrolment = Type.Object({
  secret: Type.String({ description: "The shared secret, base32 (RFC 4648), for manual entry." }),
  uri: Type.String({ description: "An otpauth://totp/ provisioning URI, for a QR code." }),
  expiresAt: Time,
});
export const ConfirmTotp = Type.Object({ code: TotpCode }, { additionalProperties: false });
export const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: "Single-use codes, shown once; the server keeps only hashes." }),
});

/** PublicKeyCredentialCreationOptionsJSON: pass to navigator.credentials.create() (after parsing). */
export const PasskeyCreationOptions = Type.Object(
  {
    rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
    challenge: Type.String(),
    pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.Literal("public-key") })),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(
      Type.Array(Type.Object({ id: Type.String(), type: Type.Literal("public-key"), transports: Type.Optional(Type.Array(Type.String())) })),
    ),
    authenticatorSelection: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    attestation: Type.Optional(Type.String()),
    extensions: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    hints: Type.Optional(Type.Array(Type.String())),
  },
  { description: "PublicKeyCredentialCreationOptionsJSON (WebAuthn Level 3)." },
);

/** PublicKeyCredentialRequestOptionsJSON: pass to navigator.credentials.get() (after parsing). */
export const PasskeyRequestOptions = Type.Object(
  {
    challenge: Type.String(),
    timeout: Type.Optional(Type.Integer()),
    rpId: Type.Optional(Type.String()),
    allowCredentials: Type.Optional(
      Type.Array(Type.Object({ id: Type.String(), type: Type.Literal("public-key"), transports: Type.Optional(Type.Array(Type.String())) })),
    ),
    userVerification: Type.Optional(Type.String()),
    extensions: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    hints: Type.Optional(Type.Array(Type.String())),
  },
  { description: "PublicKeyCredentialRequestOptionsJSON (WebAuthn Level 3)." },
);

export const AddPasskey = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }), response: RegistrationResponseJson },
  { additionalProperties: false },
);
export const Passkey = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Time });

export const CreateFactorChallenge = Type.Union([
  Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  Type.Object({ linkToken: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
]);
export const FactorChallenge = Type.Object({
  challengeId: Type.String({ description: "Names the challenge in factors.passkey; single-use, short-lived." }),
  pinRequired: Type.Boolean(),
  secondFactors: Type.Array(SecondFactorKind, { description: "Any one of these is required; empty when none is." }),
  passkeyOptions: Type.Optional(PasskeyRequestOptions),
});

/** details of 423 REGISTRATION_LOCKED. */
export const RegistrationLockedDetails = Type.Object({
  pinRequired: Type.Boolean(),
  secondFactors: Type.Array(SecondFactorKind),
});
/** details of 403 PIN_INCORRECT and SECOND_FACTOR_INCORRECT. */
export const FactorAttemptsDetails = Type.Object({ attemptsLeft: Type.Integer({ minimum: 0 }) });

export type SecondFactorKind = Static<typeof SecondFactorKind>;
export type RegistrationResponseJson = Static<typeof RegistrationResponseJson>;
export type AuthenticationResponseJson = Static<typeof AuthenticationResponseJson>;
export type Factors = Static<typeof Factors>;
export type AuthFactors = Static<typeof AuthFactors>;
export type SetPin = Static<typeof SetPin>;
export type TotpEnrolment = Static<typeof TotpEnrolment>;
export type ConfirmTotp = Static<typeof ConfirmTotp>;
export type RecoveryCodes = Static<typeof RecoveryCodes>;
export type PasskeyCreationOptions = Static<typeof PasskeyCreationOptions>;
export type PasskeyRequestOptions = Static<typeof PasskeyRequestOptions>;
export type AddPasskey = Static<typeof AddPasskey>;
export type Passkey = Static<typeof Passkey>;
export type CreateFactorChallenge = Static<typeof CreateFactorChallenge>;
export type FactorChallenge = Static<typeof FactorChallenge>;
export type RegistrationLockedDetails = Static<typeof RegistrationLockedDetails>;
export type FactorAttemptsDetails = Static<typeof FactorAttemptsDetails>;
