// What the client's parts share: the account, storage, the server API, randomness, time, events.
import type { RandomSource } from "@parley/signal";
import type { ServerApi } from "../api/server-api.js";
import { SignalStores } from "../storage/signal-stores.js";
import type { StorageRunner, UnitOfWork } from "../storage/unit-of-work.js";
import type { Emitter } from "../util/emitter.js";
import type { ClientEvents } from "./events.js";
import type { LocalAccount } from "./records.js";

export interface Clock {
  now(): number;
}

export interface ClientContext {
  readonly account: LocalAccount;
  readonly runner: StorageRunner;
  readonly api: ServerApi;
  readonly random: RandomSource;
  readonly clock: Clock;
  readonly events: Emitter<ClientEvents>;
  readonly blockOnIdentityChange: boolean;
  /** Refuse to encrypt to devices missing from the account's signed device list. */
  readonly requireSignedDeviceLists: boolean;
}

export function signalStores(context: ClientContext, tx: UnitOfWork): SignalStores {
  return new SignalStores(tx, { clock: context.clock, blockOnIdentityChange: context.blockOnIdentityChange });
}

/** Uniform in [0, 1) from the client's random source. */
export function jitter(random: RandomSource): number {
  const bytes = random(4);
  return (((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) / 2 ** 32;
}
