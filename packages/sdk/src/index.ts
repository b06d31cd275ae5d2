// @parley/sdk: the Parley client. Isomorphic: storage (an ordered key-value store) and transport
// (a WHATWG WebSocket and fetch) are ports; adapters for Node live with the apps.
export { ParleyClient, type ClientOptions, type LinkOptions, type RegisterOptions, type SafetyNumber } from "./client/parley-client.js";
export type { ClientEvents } from "./client/events.js";
export type { Clock } from "./client/context.js";
export type { ContactRecord, MessageRecord, MessageStatus } from "./client/records.js";
export type { PreKeyPolicy } from "./client/prekeys.js";
export { AccountSecurity, pinLength } from "./security/account-security.js";
export { SignIns, normalizeSignInCode } from "./security/sign-ins.js";
export { createBrowserPasskey, getBrowserPasskeyAssertion } from "./security/browser-passkeys.js";
export type {
  AccountFactors,
  AddedPasskey,
  FactorAnswers,
  FactorPrompt,
  FactorRequirement,
  FactorRetry,
  PasskeySummary,
  PendingSignIn,
  SecondFactorKind,
  TotpEnrolment,
} from "./security/factor-types.js";
export { ApiRequestError, ParleyError, SdkErrorCode, isTransient } from "./errors.js";
export type { ConnectionState } from "./transport/connection.js";
export type { FetchLike, WebSocketFactory, WebSocketLike } from "./transport/websocket-like.js";

export type { Entry, KeyValueStore, ScanOptions, Write } from "./storage/key-value-store.js";
export { MemoryKeyValueStore } from "./storage/memory-key-value-store.js";
export { StorageRunner, type AsyncContext, type RunnerContext, type UnitOfWork } from "./storage/unit-of-work.js";
export { StorageError, StorageErrorCode } from "./storage/storage-error.js";

export { encodeContent, decodeContent } from "./content/content-codec.js";
export type { Content, ContentBody, MessageRef } from "./content/content.js";
export { ContentError, ContentErrorCode } from "./content/content-error.js";
export { LinkingError, LinkingErrorCode } from "./linking/linking-error.js";
export { formatLinkingCode, parseLinkingCode } from "./linking/linking-code.js";
