// A protocol participant for tests: identity, stores and a published bundle, all in memory.
import { ProtocolAddress } from "../../src/address.js";
import { KeyPair } from "../../src/curve.js";
import {
  InMemoryIdentityKeyStore,
  InMemoryKyberPreKeyStore,
  InMemoryPreKeyStore,
  InMemorySessionStore,
  InMemorySignedPreKeyStore,
} from "../../src/memory-stores.js";
import type { PreKeyBundle } from "../../src/prekey-bundle.js";
import { generateKyberPreKey, generatePreKeys, generateSignedPreKey } from "../../src/prekey-records.js";
import { secureRandom, type RandomSource } from "../../src/random.js";
import { processPreKeyBundle } from "../../src/session-builder.js";
import { CiphertextMessageType, signalDecrypt, signalDecryptPreKey, signalEncrypt, type CiphertextMessage } from "../../src/session-cipher.js";

export const NOW = Date.UTC(2026, 10, 21);

export class Party {
  readonly identity: KeyPair;
  readonly identityStore: InMemoryIdentityKeyStore;
  readonly sessionStore = new InMemorySessionStore();
  readonly preKeyStore = new InMemoryPreKeyStore();
  readonly signedPreKeyStore = new InMemorySignedPreKeyStore();
  readonly kyberPreKeyStore = new InMemoryKyberPreKeyStore();
  readonly address: ProtocolAddress;
  private nextId = 1;

  constructor(
    name: string,
    readonly random: RandomSource = secureRandom,
    deviceId = 1,
    readonly registrationId = 1000 + deviceId,
  ) {
    this.identity = KeyPair.generate(random);
    this.identityStore = new InMemoryIdentityKeyStore(this.identity, registrationId);
    this.address = new ProtocolAddress(name, deviceId);
  }

  /** Publishes fresh keys and returns the bundle a server would hand out. */
  async bundle(options: { oneTimePreKey?: boolean; lastResortKyber?: boolean } = {}): Promise<PreKeyBundle> {
    const id = this.nextId++;
    const signed = generateSignedPreKey(this.identity, id, NOW, this.random);
    const kyber = generateKyberPreKey(this.identity, id, NOW, this.random);
    await this.signedPreKeyStore.storeSignedPreKey(id, signed);
    await this.kyberPreKeyStore.storeKyberPreKey(id, kyber, options.lastResortKyber ?? false);
    const oneTime = options.oneTimePreKey === false ? undefined : generatePreKeys(id, 1, this.random)[0]!;
    if (oneTime) await this.preKeyStore.storePreKey(oneTime.id, oneTime);
    return {
      registrationId: this.registrationId,
      deviceId: this.address.deviceId,
      ...(oneTime ? { preKeyId: oneTime.id, preKeyPublic: oneTime.keyPair.publicKey } : {}),
      signedPreKeyId: id,
      signedPreKeyPublic: signed.keyPair.publicKey,
      signedPreKeySignature: signed.signature,
      identityKey: this.identity.publicKey,
      kyberPreKeyId: id,
      kyberPreKeyPublic: kyber.keyPair.publicKey,
      kyberPreKeySignature: kyber.signature,
    };
  }

  async startSession(with_: Party, bundle?: PreKeyBundle): Promise<void> {
    await processPreKeyBundle(bundle ?? (await with_.bundle()), with_.address, this.sessionStore, this.identityStore, this.random, NOW);
  }

  encrypt(to: Party, text: string | Uint8Array, now = NOW): Promise<CiphertextMessage> {
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    return signalEncrypt(bytes, to.address, this.sessionStore, this.identityStore, now);
  }

  async decrypt(from: Party, message: CiphertextMessage): Promise<string> {
    return new TextDecoder().decode(await this.decryptBytes(from, message));
  }

  decryptBytes(from: Party, message: CiphertextMessage): Promise<Uint8Array> {
    if (message.type === CiphertextMessageType.PreKey) {
      return signalDecryptPreKey(message.body, from.address, this, this.random);
    }
    return signalDecrypt(message.body, from.address, this.sessionStore, this.identityStore, this.random);
  }

  async sessionBytes(peer: Party): Promise<Uint8Array | undefined> {
    return (await this.sessionStore.loadSession(peer.address))?.serialize();
  }
}
