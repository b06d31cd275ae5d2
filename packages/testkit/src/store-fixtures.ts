import { afterEach, beforeEach } from "vitest";
import type {
  AccountRecord,
  Bus,
  DeviceAddress,
  IdentifierKind,
  NewDevice,
  NewEnvelope,
  Random,
  SignedKey,
  Stores,
} from "../../server/src/ports/index.js";
import { FakeClock } from "./fake-clock.js";
import { randomUuid, seededRandom } from "./seeded-random.js";

/** Fresh, empty stores and the way to dispose of them. */
export interface StoresFixture {
  readonly stores: Stores;
  /**
   * Opens further stores over the same database through connections of their own, as another
   * server node would. Absent where a database cannot be shared (in-memory stores).
   */
  readonly openPeer?: () => Promise<Stores>;
  /** Called after every peer is closed. */
  teardown(): Promise<void>;
}
export type StoresFactory = () => Promise<StoresFixture>;

/**
 * Two ends of a bus: events published on `publisher` must reach subscribers on `subscriber`. An
 * in-process bus passes itself twice; a networked one passes two connections.
 */
export interface BusFixture {
  readonly publisher: Bus;
  readonly subscriber: Bus;
  teardown(): Promise<void>;
}
export type BusFactory = () => Promise<BusFixture>;

/** What each contract test works with; rebuilt before every test. */
export interface StoreContext {
  readonly stores: Stores;
  readonly random: Random;
  readonly clock: FakeClock;
  /** See StoresFixture.openPeer; useStores closes the peers after the test. */
  readonly openPeer?: () => Promise<Stores>;
}

/**
 * Registers beforeEach/afterEach hooks in the current describe block that build fresh stores
 * (and a seeded Random and a FakeClock) for every test and tear them down after it. Call the
 * returned function inside a test to get them.
 */
export function useStores(factory: StoresFactory): () => StoreContext {
  let current: { fixture: StoresFixture; context: StoreContext; peers: Stores[] } | undefined;
  beforeEach(async (test) => {
    const fixture = await factory();
    const peers: Stores[] = [];
    const openPeer = fixture.openPeer;
    const context: StoreContext = {
      stores: fixture.stores,
      random: seededRandom(test.task.name),
      clock: new FakeClock(),
      ...(openPeer === undefined
        ? {}
        : {
            openPeer: async () => {
              const peer = await openPeer();
              peers.push(peer);
              return peer;
            },
          }),
    };
    current = { fixture, context, peers };
  });
  afterEach(async () => {
    const ended = current;
    current = undefined;
    if (ended === undefined) return;
    await Promise.all(ended.peers.map((peer) => peer.close()));
    await ended.fixture.teardown();
  });
  return () => {
    if (current === undefined) throw new Error("useStores: no stores outside a test");
    return current.context;
  };
}

/**
 * `count` stores over the test's data: peers with connections of their own where the backend has
 * them (StoresFixture.openPeer), else the test's stores again (concurrency within one instance).
 */
export async function peerStores(context: StoreContext, count: number): Promise<Stores[]> {
  const { openPeer } = context;
  if (openPeer === undefined) return Array.from({ length: count }, () => context.stores);
  return Promise.all(Array.from({ length: count }, () => openPeer()));
}

export function signedKey(random: Random, keyId: number, publicKeyLength = 33): SignedKey {
  return { keyId, publicKey: random.bytes(publicKeyLength), signature: random.bytes(64) };
}

/** A device to create, with random credentials and keys. */
export function newDevice(context: StoreContext, name: string | null = null): NewDevice {
  const { random, clock } = context;
  return {
    name,
    registrationId: 1 + ((random.bytes(2)[0] ?? 0) << 4),
    passwordHash: random.bytes(32),
    passwordSalt: random.bytes(16),
    createdAt: clock.now(),
    signedPreKey: signedKey(random, 1),
    pqLastResortPreKey: signedKey(random, 2, 1569),
  };
}

export interface TestAccount {
  readonly account: AccountRecord;
  readonly primary: DeviceAddress;
  readonly primaryDevice: NewDevice;
}

/** Registers a fresh account (new identifier unless given) and returns it with its primary. */
export async function registerTestAccount(
  context: StoreContext,
  options: { readonly identifier?: string; readonly kind?: IdentifierKind; readonly identityKey?: Uint8Array } = {},
): Promise<TestAccount> {
  const primaryDevice = newDevice(context, "primary");
  const { account } = await context.stores.accounts.register({
    newAccountId: randomUuid(context.random),
    identifierKind: options.kind ?? "username",
    identifier: options.identifier ?? `user_${Buffer.from(context.random.bytes(6)).toString("hex")}`,
    identityKey: options.identityKey ?? randomIdentityKey(context.random),
    primary: primaryDevice,
  });
  return { account, primary: { accountId: account.id, deviceId: 1 }, primaryDevice };
}

export function randomIdentityKey(random: Random): Uint8Array {
  const key = random.bytes(33);
  key[0] = 0x05;
  return key;
}

/** Links a new device to `account` through a fresh token; throws when linking fails. */
export async function linkTestDevice(context: StoreContext, account: AccountRecord): Promise<DeviceAddress> {
  const tokenHash = context.random.bytes(32);
  await context.stores.accounts.createLinkToken(account.id, tokenHash, context.clock.now() + 60_000);
  const result = await context.stores.accounts.linkDevice({
    tokenHash,
    now: context.clock.now(),
    identityKey: account.identityKey,
    device: newDevice(context),
    maxDevices: 200,
  });
  if (!result.ok) throw new Error(`linking failed: ${result.reason}`);
  return { accountId: result.accountId, deviceId: result.deviceId };
}

/** An envelope for `device` with a random id and `data` (random 48 bytes unless given). */
export function newEnvelope(context: StoreContext, device: DeviceAddress, data?: Uint8Array): NewEnvelope {
  return {
    id: context.random.bytes(16),
    accountId: device.accountId,
    deviceId: device.deviceId,
    data: data ?? context.random.bytes(48),
    receivedAt: context.clock.now(),
  };
}
