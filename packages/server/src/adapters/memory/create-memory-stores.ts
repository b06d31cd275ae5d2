import type { Stores } from "../../ports/index.js";
import { InMemoryAccountStore } from "./in-memory-account-store.js";
import { InMemoryKeyStore } from "./in-memory-key-store.js";
import { InMemoryMailboxStore } from "./in-memory-mailbox-store.js";
import { InMemoryOidcStore } from "./in-memory-oidc-store.js";
import { InMemoryVerificationStore } from "./in-memory-verification-store.js";
import { InMemoryFactorStore } from "./in-memory-factor-store.js";
import { createMemoryState } from "./memory-state.js";

/**
 * The four stores over one fresh in-memory state. Nothing survives the process; use it for
 * tests and development. After `close` every store call rejects.
 */
export function createMemoryStores(): Stores {
  const state = createMemoryState();
  let closed = false;
  const guard = <T extends object>(store: T): T =>
    new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (closed) return Promise.reject(new Error("stores are closed"));
          return Reflect.apply(value, target, args);
        };
      },
    });
  return {
    accounts: guard(new InMemoryAccountStore(state)),
    keys: guard(new InMemoryKeyStore(state)),
    mailbox: guard(new InMemoryMailboxStore(state)),
    verification: guard(new InMemoryVerificationStore(state)),
    factors: guard(new InMemoryFactorStore(state)),
    oidc: guard(new InMemoryOidcStore()),
    ping: async () => {
      if (closed) throw new Error("stores are closed");
    },
    close: async () => {
      closed = true;
    },
  };
}
