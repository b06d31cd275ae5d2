// The sender-key state of one (sender, distribution): up to five chains, newest first, as in
// libsignal. Byte arrays held by a state (chain key, skipped seeds) are replaced, never written
// in place, so clone() may share them.
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { PrivateKey, PublicKey } from "./curve.js";
import { optionalBytes, readFields, requireBytes, requireUint32, WireType, writeBytes, writeUint32 } from "./proto.js";
import { decodeStored, encodeStored } from "./stored-format.js";

export const MAX_SENDER_KEY_STATES = 5;
export const MAX_SKIPPED_MESSAGE_KEYS = 2_000;
const SEED_ENTRY_LENGTH = 4 + 32;

export class SenderKeyState {
  constructor(
    readonly chainId: number,
    /** The iteration whose message key `chainKey` yields next. */
    public iteration: number,
    public chainKey: Uint8Array,
    readonly signingPublicKey: PublicKey,
    /** Present only in the sender's own state. */
    readonly signingPrivateKey: PrivateKey | undefined,
    /** Iteration → message key seed, in insertion order (oldest first). */
    readonly skippedSeeds: Map<number, Uint8Array> = new Map(),
  ) {}

  /** Keeps at most MAX_SKIPPED_MESSAGE_KEYS, dropping the oldest, as libsignal does. */
  addSkippedSeed(iteration: number, seed: Uint8Array): void {
    this.skippedSeeds.set(iteration, seed);
    if (this.skippedSeeds.size > MAX_SKIPPED_MESSAGE_KEYS) {
      const oldest = this.skippedSeeds.keys().next().value as number;
      this.skippedSeeds.delete(oldest);
    }
  }

  /** What logs and JSON show: the chain's position, never its keys. */
  toJSON(): object {
    return { chainId: this.chainId, iteration: this.iteration, skippedKeys: this.skippedSeeds.size, keys: "[REDACTED]" };
  }

  [Symbol.for("nodejs.util.inspect.custom")](): object {
    return this.toJSON();
  }

  clone(): SenderKeyState {
    return new SenderKeyState(
      this.chainId,
      this.iteration,
      this.chainKey,
      this.signingPublicKey,
      this.signingPrivateKey,
      new Map(this.skippedSeeds),
    );
  }
}

export class SenderKeyRecord {
  constructor(
    /** Newest first; the first is the one a sender encrypts with. */
    readonly states: SenderKeyState[] = [],
  ) {}

  currentState(): SenderKeyState | undefined {
    return this.states[0];
  }

  stateForChainId(chainId: number): SenderKeyState | undefined {
    return this.states.find((state) => state.chainId === chainId);
  }

  /**
   * Makes (chainId, signingKey) the newest state, as libsignal does: an existing state with the
   * same chain id and key is kept as it is (so a repeated distribution message cannot rewind the
   * chain and re-enable old keys); any other state with that chain id is dropped; the oldest
   * states are dropped beyond MAX_SENDER_KEY_STATES.
   */
  addState(
    chainId: number,
    iteration: number,
    chainKey: Uint8Array,
    signingPublicKey: PublicKey,
    signingPrivateKey: PrivateKey | undefined,
  ): void {
    const index = this.states.findIndex((s) => s.chainId === chainId && s.signingPublicKey.equals(signingPublicKey));
    const existing = index >= 0 ? this.states.splice(index, 1)[0] : undefined;
    const kept = this.states.filter((s) => s.chainId !== chainId);
    this.states.length = 0;
    this.states.push(
      existing ?? new SenderKeyState(chainId, iteration, chainKey.slice(), signingPublicKey, signingPrivateKey),
      ...kept.slice(0, MAX_SENDER_KEY_STATES - 1),
    );
  }

  clone(): SenderKeyRecord {
    return new SenderKeyRecord(this.states.map((state) => state.clone()));
  }

  /**
   * Our own storage format, not libsignal's: the format byte of stored-format.ts, then a protobuf
   * whose repeated field 1 holds the states, newest first. A state: chain_id 1, iteration 2,
   * chain_key 3, signing public key 4, signing private key 5 (sender only), skipped seeds 6 packed
   * as 36-byte entries (iteration u32 big-endian ‖ seed), oldest first, and the Edwards form A of
   * the signing key 7 (sender only, 32 bytes: XEdDSA signing needs it, and computing it costs a
   * scalar multiplication on every load). Field 7 came later within format 1: a record without it
   * still loads, and A is computed when first needed. A later format bumps the leading byte and
   * migrates in deserialize().
   */
  serialize(): Uint8Array {
    return encodeStored((writer) => {
      for (const state of this.states) {
        writer.tag(1, WireType.LengthDelimited).fork();
        writeUint32(writer, 1, state.chainId);
        writeUint32(writer, 2, state.iteration);
        writeBytes(writer, 3, state.chainKey);
        writeBytes(writer, 4, state.signingPublicKey.serialize());
        if (state.signingPrivateKey) writeBytes(writer, 5, state.signingPrivateKey.serialize());
        if (state.skippedSeeds.size > 0) writeBytes(writer, 6, packSeeds(state.skippedSeeds));
        if (state.signingPrivateKey) writeBytes(writer, 7, state.signingPrivateKey.edwardsPublicKey());
        writer.join();
      }
    });
  }

  /** Throws INVALID_STATE for anything that is not a record in a format this version reads. */
  static deserialize(bytes: Uint8Array): SenderKeyRecord {
    return decodeStored(bytes, "sender key record", (body) => {
      const states: SenderKeyState[] = [];
      const reader = new BinaryReader(body);
      while (reader.pos < reader.len) {
        const [fieldNo, wireType] = reader.tag();
        if (fieldNo === 1 && wireType === WireType.LengthDelimited) states.push(readState(reader.bytes()));
        else reader.skip(wireType, fieldNo);
      }
      if (states.length > MAX_SENDER_KEY_STATES) throw new Error(`${states.length} states`);
      return new SenderKeyRecord(states);
    });
  }
}

function packSeeds(seeds: Map<number, Uint8Array>): Uint8Array {
  const packed = new Uint8Array(seeds.size * SEED_ENTRY_LENGTH);
  const view = new DataView(packed.buffer);
  let offset = 0;
  for (const [iteration, seed] of seeds) {
    view.setUint32(offset, iteration);
    packed.set(seed, offset + 4);
    offset += SEED_ENTRY_LENGTH;
  }
  return packed;
}

function readState(bytes: Uint8Array): SenderKeyState {
  const what = "sender key state";
  const fields = readFields(bytes, what);
  const privateBytes = optionalBytes(fields, 5, `${what} signing private key`);
  const edwardsBytes = optionalBytes(fields, 7, `${what} signing key Edwards form`);
  const privateKey = privateBytes && PrivateKey.deserialize(privateBytes);
  if (privateKey && edwardsBytes) privateKey.withEdwardsPublicKey(edwardsBytes);
  const packed = optionalBytes(fields, 6, `${what} skipped seeds`) ?? new Uint8Array(0);
  if (packed.length % SEED_ENTRY_LENGTH !== 0 || packed.length / SEED_ENTRY_LENGTH > MAX_SKIPPED_MESSAGE_KEYS) {
    throw new Error("malformed skipped seeds");
  }
  const seeds = new Map<number, Uint8Array>();
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  for (let offset = 0; offset < packed.length; offset += SEED_ENTRY_LENGTH) {
    seeds.set(view.getUint32(offset), packed.subarray(offset + 4, offset + SEED_ENTRY_LENGTH));
  }
  return new SenderKeyState(
    requireUint32(fields, 1, `${what} chain id`),
    requireUint32(fields, 2, `${what} iteration`),
    requireBytes(fields, 3, `${what} chain key`, 32),
    PublicKey.deserialize(requireBytes(fields, 4, `${what} signing public key`, 33)),
    privateKey,
    seeds,
  );
}
