// The JSON bodies of the REST API (and of the same routes over the WebSocket), as TypeBox
// schemas: one definition gives the static type, the runtime validator and the OpenAPI schema.
// Binary values travel as standard base64. Every string and array has an upper bound, so a
// validated body has a bounded size whatever the client sent.
import Type, { type Static } from "typebox";
import { accountIdPattern } from "./identifiers.js";
import { Factors } from "./auth-factors.js";

const base64Pattern = "^[A-Za-z0-9+/]*={0,2}$";

/** Standard base64 of at most `maxBytes` bytes. */
export function Base64(maxBytes: number, description?: string) {
  return Type.String({
    pattern: base64Pattern,
    maxLength: Math.ceil(maxBytes / 3) * 4,
    contentEncoding: "base64",
    ...(description ? { description } : {}),
  });
}

export const AccountId = Type.String({
  pattern: accountIdPattern.source,
  description: "An account id: a lower-case UUID.",
});

/** Device ids are 1 (the primary) to 127, the range libsignal's addresses accept. */
export const DeviceId = Type.Integer({ minimum: 1, maximum: 127 });
/** Signal registration ids: 14 bits, never 0. */
export const RegistrationId = Type.Integer({ minimum: 1, maximum: 0x3fff });
/** Prekey ids are 24-bit in Signal's formats. */
export const KeyId = Type.Integer({ minimum: 0, maximum: 0xffffff });
export const Millis = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Milliseconds since the epoch." });

const ecPublicKeyBytes = 33;
const kyberPublicKeyBytes = 1569;
const signatureBytes = 64;

export const IdentityKey = Base64(ecPublicKeyBytes, "A Curve25519 identity key: 0x05 then 32 bytes.");

export const SignedPreKey = Type.Object(
  { keyId: KeyId, publicKey: Base64(ecPublicKeyBytes), signature: Base64(signatureBytes) },
  { additionalProperties: false, description: "An EC prekey signed with the identity key." },
);
export const OneTimePreKey = Type.Object(
  { keyId: KeyId, publicKey: Base64(ecPublicKeyBytes) },
  { additionalProperties: false },
);
export const KyberPreKey = Type.Object(
  { keyId: KeyId, publicKey: Base64(kyberPublicKeyBytes), signature: Base64(signatureBytes) },
  { additionalProperties: false, description: "A Kyber-1024 key (0x08 then 1,568 bytes) signed with the identity key." },
);

export const Identifier = Type.Object(
  {
    kind: Type.Union([Type.Literal("phone"), Type.Literal("username")]),
    value: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false, description: "A phone number in E.164 form (+4915112345678) or a username." },
);

export const CreateVerificationSession = Type.Object({ identifier: Identifier }, { additionalProperties: false });
export const VerificationSession = Type.Object({
  sessionId: Type.String(),
  expiresAt: Millis,
  verified: Type.Boolean(),
  attemptsLeft: Type.Integer({ minimum: 0 }),
});
export const SubmitVerificationCode = Type.Object(
  { code: Type.String({ pattern: "^[0-9]{4,10}$" }) },
  { additionalProperties: false },
);

const DeviceName = Type.String({ minLength: 1, maxLength: 64 });

const DeviceKeys = {
  identityKey: IdentityKey,
  registrationId: RegistrationId,
  signedPreKey: SignedPreKey,
  pqLastResortPreKey: KyberPreKey,
  name: Type.Optional(DeviceName),
};

export const Register = Type.Object(
  { sessionId: Type.String({ minLength: 1, maxLength: 64 }), ...DeviceKeys, factors: Type.Optional(Factors) },
  { additionalProperties: false },
);
export const LinkDevice = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 128 }), ...DeviceKeys, factors: Type.Optional(Factors) },
  { additionalProperties: false },
);
export const Credentials = Type.Object({
  accountId: AccountId,
  deviceId: DeviceId,
  password: Type.String({ description: "The device's secret. Shown once; the server keeps only a hash." }),
});

export const LinkToken = Type.Object({ token: Type.String(), expiresAt: Millis });

export const Device = Type.Object({
  id: DeviceId,
  name: Type.Union([Type.String(), Type.Null()]),
  registrationId: RegistrationId,
  createdAt: Millis,
  lastSeenAt: Millis,
});
export const DeviceList = Type.Object({ devices: Type.Array(Device) });

/** Device-list versions: chosen by the primary, each published list higher than the last. */
const DeviceListVersion = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const deviceListStatement = Base64(8 * 1024, "The primary's statement naming the account's devices, opaque to the server.");
const deviceListSignature = Base64(
  signatureBytes,
  "XEdDSA by the identity key over the ASCII bytes \"Parley device list v1\", one zero byte, then the statement.",
);

export const UploadDeviceList = Type.Object(
  { version: DeviceListVersion, statement: deviceListStatement, signature: deviceListSignature },
  { additionalProperties: false },
);
export const SignedDeviceList = Type.Object({
  version: DeviceListVersion,
  statement: deviceListStatement,
  signature: deviceListSignature,
  updatedAt: Millis,
});
export const StaleDeviceListDetails = Type.Object({
  currentVersion: Type.Integer({ minimum: 0, description: "The stored list's version (0 once none is stored)." }),
});

export const Account = Type.Object({
  accountId: AccountId,
  deviceId: DeviceId,
  identifier: Identifier,
});
export const DirectoryEntry = Type.Object({ accountId: AccountId });

/** Keys upload limits are enforced by the server's configuration; the schema caps the array. */
export const UploadKeys = Type.Object(
  {
    signedPreKey: Type.Optional(SignedPreKey),
    pqLastResortPreKey: Type.Optional(KyberPreKey),
    preKeys: Type.Optional(Type.Array(OneTimePreKey, { maxItems: 1000 })),
    pqPreKeys: Type.Optional(Type.Array(KyberPreKey, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export const KeyCounts = Type.Object({
  preKeys: Type.Integer({ minimum: 0 }),
  pqPreKeys: Type.Integer({ minimum: 0 }),
});

export const DeviceBundle = Type.Object({
  deviceId: DeviceId,
  registrationId: RegistrationId,
  signedPreKey: SignedPreKey,
  preKey: Type.Optional(OneTimePreKey),
  pqPreKey: KyberPreKey,
  pqLastResort: Type.Boolean({ description: "True when pqPreKey is the last-resort key, not a one-time key." }),
});
export const PreKeyBundles = Type.Object({ identityKey: IdentityKey, devices: Type.Array(DeviceBundle) });

export const OutgoingMessageJson = Type.Object(
  {
    deviceId: DeviceId,
    registrationId: RegistrationId,
    type: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
    content: Type.String({ pattern: base64Pattern, minLength: 1, maxLength: 16 * 1024 * 1024 }),
  },
  { additionalProperties: false },
);
export const SendMessages = Type.Object(
  {
    timestamp: Millis,
    messages: Type.Array(OutgoingMessageJson, { minItems: 1, maxItems: 256 }),
    ephemeral: Type.Optional(Type.Boolean()),
    urgent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const SendResult = Type.Object({ serverTimestamp: Millis });

export const MismatchedDevicesDetails = Type.Object({
  missingDevices: Type.Array(DeviceId),
  extraDevices: Type.Array(DeviceId),
});
export const StaleDevicesDetails = Type.Object({ staleDevices: Type.Array(DeviceId) });

export const ProvisioningAddress = Type.Object({ address: Type.String() });
export const ProvisioningMessage = Type.Object(
  { body: Base64(64 * 1024, "The sealed provisioning message, opaque to the server.") },
  { additionalProperties: false },
);

export const ErrorResponse = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export { OidcSignIn } from "./oidc.js";
export const Health = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) });

// The second-factor schemas (auth-factors.ts), part of the same `schemas` namespace.
export {
  Factors,
  AuthFactors,
  SetPin,
  TotpEnrolment,
  ConfirmTotp,
  RecoveryCodes,
  PasskeyCreationOptions,
  PasskeyRequestOptions,
  AddPasskey,
  Passkey,
  CreateFactorChallenge,
  FactorChallenge,
  RegistrationLockedDetails,
  FactorAttemptsDetails,
  RegistrationResponseJson,
  AuthenticationResponseJson,
} from "./auth-factors.js";

export type Identifier = Static<typeof Identifier>;
export type CreateVerificationSession = Static<typeof CreateVerificationSession>;
export type VerificationSession = Static<typeof VerificationSession>;
export type SubmitVerificationCode = Static<typeof SubmitVerificationCode>;
export type Register = Static<typeof Register>;
export type LinkDevice = Static<typeof LinkDevice>;
export type Credentials = Static<typeof Credentials>;
export type LinkToken = Static<typeof LinkToken>;
export type Device = Static<typeof Device>;
export type DeviceList = Static<typeof DeviceList>;
export type UploadDeviceList = Static<typeof UploadDeviceList>;
export type SignedDeviceList = Static<typeof SignedDeviceList>;
export type StaleDeviceListDetails = Static<typeof StaleDeviceListDetails>;
export type Account = Static<typeof Account>;
export type DirectoryEntry = Static<typeof DirectoryEntry>;
export type SignedPreKey = Static<typeof SignedPreKey>;
export type OneTimePreKey = Static<typeof OneTimePreKey>;
export type KyberPreKey = Static<typeof KyberPreKey>;
export type UploadKeys = Static<typeof UploadKeys>;
export type KeyCounts = Static<typeof KeyCounts>;
export type DeviceBundle = Static<typeof DeviceBundle>;
export type PreKeyBundles = Static<typeof PreKeyBundles>;
export type SendMessages = Static<typeof SendMessages>;
export type SendResult = Static<typeof SendResult>;
export type MismatchedDevicesDetails = Static<typeof MismatchedDevicesDetails>;
export type StaleDevicesDetails = Static<typeof StaleDevicesDetails>;
export type ProvisioningAddress = Static<typeof ProvisioningAddress>;
export type ProvisioningMessage = Static<typeof ProvisioningMessage>;
export type ErrorResponse = Static<typeof ErrorResponse>;

