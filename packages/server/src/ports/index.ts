export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export type { Random } from "./random.js";
export { addressKey, type DeviceAddress } from "./device-address.js";
export type { MailboxStore, NewEnvelope, StoredEnvelope } from "./mailbox-store.js";
export type { Bus, DeviceEvent, DeviceEventListener } from "./bus.js";
export type {
  AccountStore,
  AccountRecord,
  DeviceRecord,
  NewDevice,
  IdentifierKind,
  RegisterInput,
  RegisterResult,
  LinkInput,
  LinkResult,
  DeviceListRecord,
  PutDeviceListResult,
} from "./account-store.js";
export { MAX_DEVICE_ID } from "./account-store.js";
export type { KeyStore, SignedKey, OneTimeKey, ClaimedKeys, KeyCounts } from "./key-store.js";
export type { VerificationStore, VerificationSessionRecord } from "./verification-store.js";
export type { VerificationSender } from "./verification-sender.js";
export type {
  FactorStore,
  AccountFactors,
  AttemptKind,
  AttemptCount,
  PinRecord,
  TotpRecord,
  PendingTotpRecord,
  PasskeyRecord,
  ChallengeRecord,
  AddPasskeyResult,
} from "./factor-store.js";
export type {
  OidcStore,
  OidcArtefactRecord,
  StoredOidcArtefact,
  OidcClientRecord,
  OidcSigningKeyRecord,
  OidcSignInRecord,
  OidcSignInState,
  OidcSignInDecision,
} from "./oidc-store.js";

export type { Stores } from "./stores.js";
