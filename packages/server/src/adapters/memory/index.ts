export { createMemoryStores } from "./create-memory-stores.js";
export { InMemoryAccountStore } from "./in-memory-account-store.js";
export { InMemoryKeyStore } from "./in-memory-key-store.js";
export { InMemoryMailboxStore } from "./in-memory-mailbox-store.js";
export { InMemoryVerificationStore } from "./in-memory-verification-store.js";
export { InMemoryFactorStore } from "./in-memory-factor-store.js";
export { InMemoryOidcStore } from "./in-memory-oidc-store.js";
export { InProcessBus, type InProcessBusOptions } from "./in-process-bus.js";
export { createMemoryState, type MemoryState } from "./memory-state.js";
