// This device's prekeys: the signed prekey and last-resort Kyber key every device must have, and
// batches of one-time EC and Kyber prekeys, kept above a minimum on the server. The signed
// prekey and last-resort key are replaced on a schedule; the previous ones stay usable for a
// while, for PreKey messages already on their way.
import type { KyberPreKey, OneTimePreKey, SignedPreKey, UploadKeys } from "@parley/protocol";
import { generateKyberPreKey, generatePreKeys, generateSignedPreKey, type KeyPair, type KyberPreKeyRecord } from "@parley/signal";
import type { SignalStores } from "../storage/signal-stores.js";
import type { UnitOfWork } from "../storage/unit-of-work.js";
import { toBase64 } from "../util/bytes.js";
import { signalStores, type ClientContext } from "./context.js";
import { getJson, putJson } from "./json-records.js";

/** Prekey ids are 24-bit in Signal's formats; 0 is avoided. */
const maxKeyId = 0xffffff;
const rotatedAtKey = "local/prekeys-rotated-at";

export interface PreKeyPolicy {
  /** One-time keys of each kind generated at a time. */
  readonly batch: number;
  /** Refill when the server holds fewer one-time keys of a kind than this. */
  readonly minimum: number;
  /** Replace the signed prekey and the last-resort key after this long (ms). */
  readonly rotateAfterMs: number;
}

export const defaultPreKeyPolicy: PreKeyPolicy = { batch: 100, minimum: 25, rotateAfterMs: 7 * 24 * 3600 * 1000 };

async function nextKeyIds(stores: SignalStores, name: string, count: number): Promise<number[]> {
  const first = await stores.nextCounter(name, count);
  return Array.from({ length: count }, (_, i) => ((first + i - 1) % maxKeyId) + 1);
}

export function signedPreKeyBody(id: number, publicKey: Uint8Array, signature: Uint8Array): SignedPreKey & KyberPreKey {
  return { keyId: id, publicKey: toBase64(publicKey), signature: toBase64(signature) };
}

/** Generates and stores a new signed prekey and last-resort Kyber key; returns their upload bodies. */
export async function createDeviceKeys(
  stores: SignalStores,
  identity: KeyPair,
  context: Pick<ClientContext, "random" | "clock">,
): Promise<{ signedPreKey: SignedPreKey; pqLastResortPreKey: KyberPreKey }> {
  const now = context.clock.now();
  const [signedId] = await nextKeyIds(stores, "signed-prekey", 1);
  const [kyberId] = await nextKeyIds(stores, "kyber-prekey", 1);
  const signed = generateSignedPreKey(identity, signedId!, now, context.random);
  const kyber = generateKyberPreKey(identity, kyberId!, now, context.random);
  await stores.storeSignedPreKey(signed.id, signed);
  await stores.storeKyberPreKey(kyber.id, kyber, true);
  return {
    signedPreKey: signedPreKeyBody(signed.id, signed.keyPair.publicKey.serialize(), signed.signature),
    pqLastResortPreKey: signedPreKeyBody(kyber.id, kyber.keyPair.publicKey.serialize(), kyber.signature),
  };
}

/** Generates and stores `count` one-time keys of each requested kind; returns the upload body. */
export async function createOneTimeKeys(
  stores: SignalStores,
  identity: KeyPair,
  context: Pick<ClientContext, "random" | "clock">,
  counts: { ec: number; kyber: number },
): Promise<UploadKeys> {
  const now = context.clock.now();
  const preKeys: OneTimePreKey[] = [];
  const pqPreKeys: KyberPreKey[] = [];
  if (counts.ec > 0) {
    const ids = await nextKeyIds(stores, "prekey", counts.ec);
    for (const id of ids) {
      const [record] = generatePreKeys(id, 1, context.random);
      await stores.storePreKey(id, record!);
      preKeys.push({ keyId: id, publicKey: toBase64(record!.keyPair.publicKey.serialize()) });
    }
  }
  if (counts.kyber > 0) {
    for (const id of await nextKeyIds(stores, "kyber-prekey", counts.kyber)) {
      const record: KyberPreKeyRecord = generateKyberPreKey(identity, id, now, context.random);
      await stores.storeKyberPreKey(id, record);
      pqPreKeys.push(signedPreKeyBody(id, record.keyPair.publicKey.serialize(), record.signature));
    }
  }
  return { ...(preKeys.length ? { preKeys } : {}), ...(pqPreKeys.length ? { pqPreKeys } : {}) };
}

export async function markRotated(tx: UnitOfWork, at: number): Promise<void> {
  putJson(tx, rotatedAtKey, at);
}

/** Keeps the server's supply of this device's one-time keys up, and rotates the long-lived ones. */
export class PreKeyMaintainer {
  #running: Promise<void> | undefined;

  constructor(
    private readonly context: ClientContext,
    private readonly policy: PreKeyPolicy,
  ) {}

  /** One check; concurrent calls share it. */
  run(): Promise<void> {
    this.#running ??= this.check().finally(() => (this.#running = undefined));
    return this.#running;
  }

  private async check(): Promise<void> {
    const { api, runner } = this.context;
    const counts = await api.keyCounts();
    const ec = counts.preKeys < this.policy.minimum ? this.policy.batch : 0;
    const kyber = counts.pqPreKeys < this.policy.minimum ? this.policy.batch : 0;
    if (ec > 0 || kyber > 0) {
      // Stored before the upload: a key the server hands out must be one this device has.
      const body = await runner.run(async (tx) => {
        const stores = signalStores(this.context, tx);
        return createOneTimeKeys(stores, await stores.getIdentityKeyPair(), this.context, { ec, kyber });
      });
      await api.uploadKeys(body);
    }
    const now = this.context.clock.now();
    const rotatedAt = await runner.run((tx) => getJson<number>(tx, rotatedAtKey));
    if (rotatedAt !== undefined && now - rotatedAt < this.policy.rotateAfterMs) return;
    const { body, keep } = await runner.run(async (tx) => {
      const stores = signalStores(this.context, tx);
      const previousSigned = await stores.signedPreKeyIds();
      const previousKyber = await stores.lastResortKyberPreKeyIds();
      const created = await createDeviceKeys(stores, await stores.getIdentityKeyPair(), this.context);
      return {
        body: created,
        keep: { signed: [created.signedPreKey.keyId, ...previousSigned.slice(-1)], kyber: [created.pqLastResortPreKey.keyId, ...previousKyber.slice(-1)] },
      };
    });
    await api.uploadKeys(body);
    await runner.run(async (tx) => {
      const stores = signalStores(this.context, tx);
      // The newest previous key stays for PreKey messages still in flight; older ones go.
      await stores.removeSignedPreKeysExcept(keep.signed);
      await stores.removeLastResortKyberPreKeysExcept(keep.kyber);
      await markRotated(tx, now);
    });
  }
}
