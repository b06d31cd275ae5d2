// Public surface of @parley/protocol: wire types, codecs, API schemas and error codes shared by
// the server and every client. Isomorphic, no I/O.
export { ErrorCode, httpStatusOf, isErrorCode, type ErrorBody } from "./error-codes.js";
export { WireError } from "./wire-error.js";
export type { DecodeOptions } from "./wire.js";
export type { Allocate } from "./fast-writer.js";
export {
  encodeFrame,
  decodeFrame,
  frameLimits,
  type Frame,
  type RequestFrame,
  type ResponseFrame,
  type Headers,
  type Verb,
} from "./frames.js";
export {
  encodeEnvelope,
  decodeEnvelope,
  encodeOutgoingMessages,
  decodeOutgoingMessages,
  TooManyMessagesError,
  type Envelope,
  type OutgoingMessage,
  type OutgoingMessages,
} from "./envelope.js";
export {
  deliverPath,
  queueEmptyPath,
  provisioningAddressPath,
  provisioningMessagePath,
  websocketPath,
  provisioningSocketPath,
  contentTypes,
  CloseCode,
  basicAuthorization,
} from "./paths.js";
export { accountIdPattern, usernamePattern, e164Pattern, normalizeUsername } from "./identifiers.js";
export { deviceListSignatureContext, deviceListSignedMessage } from "./device-list.js";
export * as schemas from "./api.js";
export type {
  SecondFactorKind,
  RegistrationResponseJson,
  AuthenticationResponseJson,
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
} from "./auth-factors.js";
export type { OidcSignIn } from "./oidc.js";
export type { TSchema } from "typebox";
export type {
  Identifier,
  CreateVerificationSession,
  VerificationSession,
  SubmitVerificationCode,
  Register,
  LinkDevice,
  Credentials,
  LinkToken,
  Device,
  DeviceList,
  UploadDeviceList,
  SignedDeviceList,
  StaleDeviceListDetails,
  Account,
  DirectoryEntry,
  SignedPreKey,
  OneTimePreKey,
  KyberPreKey,
  UploadKeys,
  KeyCounts,
  DeviceBundle,
  PreKeyBundles,
  SendMessages,
  SendResult,
  MismatchedDevicesDetails,
  StaleDevicesDetails,
  ProvisioningAddress,
  ProvisioningMessage,
  ErrorResponse,
} from "./api.js";
