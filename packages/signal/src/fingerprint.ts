// Safety numbers, as libsignal's fingerprint module: each side's identity key and stable
// identifier are hashed with iterated SHA-512; the first 30 bytes give a 30-digit string per
// side (the displayable form, both halves sorted so the two users see the same 60 digits) and
// the first 32 bytes go into the scannable protobuf (the QR code).
import { constantTimeEqual } from "./bytes.js";
import { sha512 } from "./crypto.js";
import type { PublicKey } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import { BinaryWriter, optionalBytes, optionalUint32, readFields, WireType, writeBytes, writeUint32 } from "./proto.js";

/** The scannable format version Signal uses, and the hash iterations it uses with it. */
export const FINGERPRINT_VERSION = 2;
export const FINGERPRINT_ITERATIONS = 5200;

/** SHA-512 of (0x0000 ‖ key ‖ id ‖ key), then iterations − 1 rounds of SHA-512(hash ‖ key). */
function hashIdentity(iterations: number, identifier: Uint8Array, key: PublicKey): Uint8Array {
  const keyBytes = key.serialize();
  const first = new Uint8Array(2 + keyBytes.length + identifier.length + keyBytes.length);
  first.set(keyBytes, 2); // bytes 0..2 stay zero: the hash format version, not FINGERPRINT_VERSION
  first.set(identifier, 2 + keyBytes.length);
  first.set(keyBytes, 2 + keyBytes.length + identifier.length);
  let hash = sha512(first);
  const round = new Uint8Array(hash.length + keyBytes.length);
  round.set(keyBytes, hash.length);
  for (let i = 1; i < iterations; i++) {
    round.set(hash, 0);
    hash = sha512(round);
  }
  return hash;
}

/** Six 5-digit groups: each 5 bytes read big-endian, modulo 100,000. */
function displayDigits(hash: Uint8Array): string {
  let out = "";
  for (let chunk = 0; chunk < 6; chunk++) {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 256 + hash[chunk * 5 + i]!; // < 2^40, exact
    out += String(value % 100_000).padStart(5, "0");
  }
  return out;
}

export class DisplayableFingerprint {
  constructor(
    readonly localDigits: string,
    readonly remoteDigits: string,
  ) {}

  /** The 60 digits both users see: the two halves in ascending order. */
  toString(): string {
    return this.localDigits < this.remoteDigits ? this.localDigits + this.remoteDigits : this.remoteDigits + this.localDigits;
  }
}

/** CombinedFingerprints { version 1; local 2 { content 1 }; remote 3 { content 1 } }. */
export class ScannableFingerprint {
  constructor(
    readonly version: number,
    readonly localFingerprint: Uint8Array,
    readonly remoteFingerprint: Uint8Array,
  ) {}

  serialize(): Uint8Array {
    const writer = new BinaryWriter();
    writeUint32(writer, 1, this.version);
    for (const [fieldNo, content] of [[2, this.localFingerprint], [3, this.remoteFingerprint]] as const) {
      writer.tag(fieldNo, WireType.LengthDelimited).fork();
      writeBytes(writer, 1, content);
      writer.join();
    }
    return writer.finish();
  }

  /**
   * Whether `scanned` (the other user's serialized scannable fingerprint) is the mirror of ours.
   * As libsignal: a different or absent version throws FINGERPRINT_VERSION_MISMATCH, checked
   * after parsing and before completeness; an unparsable or incomplete message throws
   * INVALID_MESSAGE. Different identifiers or keys are not an error: they give false (libsignal
   * no longer throws an identifier mismatch; the identifiers are not in the scanned bytes).
   */
  compare(scanned: Uint8Array): boolean {
    const what = "scanned fingerprint";
    const fields = readFields(scanned, what);
    const theirLocal = logicalContent(fields, 2, `${what} local part`);
    const theirRemote = logicalContent(fields, 3, `${what} remote part`);
    const theirVersion = optionalUint32(fields, 1, `${what} version`) ?? 0;
    if (theirVersion !== this.version) {
      throw new SignalError(
        SignalErrorCode.FingerprintVersionMismatch,
        `scanned fingerprint has version ${theirVersion}, ours is ${this.version}`,
      );
    }
    if (!theirLocal || !theirRemote) throw new SignalError(SignalErrorCode.InvalidMessage, `${what} is incomplete`);
    const same1 = constantTimeEqual(theirLocal, this.remoteFingerprint);
    const same2 = constantTimeEqual(theirRemote, this.localFingerprint);
    return same1 && same2;
  }
}

/** The content of a LogicalFingerprint field, if present; throws INVALID_MESSAGE if malformed. */
function logicalContent(fields: ReturnType<typeof readFields>, fieldNo: number, what: string): Uint8Array | undefined {
  const logical = optionalBytes(fields, fieldNo, what);
  return logical && optionalBytes(readFields(logical, what), 1, what);
}

export class Fingerprint {
  private constructor(
    readonly displayable: DisplayableFingerprint,
    readonly scannable: ScannableFingerprint,
  ) {}

  /**
   * Same arguments, in the same order, as libsignal's `Fingerprint.new`. Identifiers are the
   * stable account ids (Signal: the ACI's 16 bytes); iterations must be in 2..1,000,000.
   */
  static create(
    iterations: number,
    version: number,
    localIdentifier: Uint8Array,
    localKey: PublicKey,
    remoteIdentifier: Uint8Array,
    remoteKey: PublicKey,
  ): Fingerprint {
    if (!Number.isInteger(iterations) || iterations <= 1 || iterations > 1_000_000) {
      throw new SignalError(SignalErrorCode.InvalidMessage, `invalid fingerprint iterations ${iterations}`);
    }
    if (!Number.isInteger(version) || version < 0 || version > 0xffffffff) {
      throw new SignalError(SignalErrorCode.InvalidMessage, `invalid fingerprint version ${version}`);
    }
    const local = hashIdentity(iterations, localIdentifier, localKey);
    const remote = hashIdentity(iterations, remoteIdentifier, remoteKey);
    return new Fingerprint(
      new DisplayableFingerprint(displayDigits(local), displayDigits(remote)),
      new ScannableFingerprint(version, local.slice(0, 32), remote.slice(0, 32)),
    );
  }
}
