import type { AccountStore } from "./account-store.js";
import type { FactorStore } from "./factor-store.js";
import type { KeyStore } from "./key-store.js";
import type { MailboxStore } from "./mailbox-store.js";
import type { OidcStore } from "./oidc-store.js";
import type { VerificationStore } from "./verification-store.js";

/**
 * Every store the server needs, built together by one adapter family (memory, SQL) because some
 * operations span them atomically (removing a device removes its keys and envelopes).
 */
export interface Stores {
  readonly accounts: AccountStore;
  readonly keys: KeyStore;
  readonly mailbox: MailboxStore;
  readonly verification: VerificationStore;
  /** Second factors and their attempt counters (docs/adr/0013-second-factors.md). */
  readonly factors: FactorStore;
  /** The OpenID Connect provider's state (artefacts, clients, signing keys, sign-in approvals). */
  readonly oidc: OidcStore;
  /** Resolves when the storage answers (readiness). */
  ping(): Promise<void>;
  /** Waits for pending writes, then closes; the stores are unusable afterwards. */
  close(): Promise<void>;
}
