// The two wire messages of Sender Keys, byte-compatible with libsignal: a version byte (0x33),
// then a proto2 message; a SenderKeyMessage is followed by a 64-byte XEdDSA signature over
// everything before it. Parsing follows libsignal: too short or malformed → INVALID_MESSAGE,
// a high nibble other than 3 → UNSUPPORTED_VERSION (the low nibble is ignored, as libsignal does).
import { PublicKey, SIGNATURE_LENGTH, type PrivateKey } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import { BinaryWriter, readFields, requireBytes, requireUint32, writeBytes, writeUint32 } from "./proto.js";
import type { RandomSource } from "./random.js";
import { checkSize } from "./signal-message.js";

export const SENDER_KEY_MESSAGE_VERSION = 3;
const VERSION_BYTE = (SENDER_KEY_MESSAGE_VERSION << 4) | SENDER_KEY_MESSAGE_VERSION;
/** libsignal refuses anything shorter than a version byte plus 64 bytes, for both messages. */
const MIN_LENGTH = 1 + 64;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses a UUID in its 36-character text form (any case) to its 16 bytes. */
export function distributionIdToBytes(distributionId: string): Uint8Array {
  if (!UUID_PATTERN.test(distributionId)) {
    throw new SignalError(SignalErrorCode.InvalidMessage, "distribution id is not a UUID");
  }
  const hex = distributionId.replaceAll("-", "");
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Formats 16 bytes as a canonical lower-case UUID, the form the SenderKeyStore is keyed by. */
export function distributionIdFromBytes(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function checkHeader(bytes: Uint8Array, what: string): void {
  checkSize(bytes, what);
  if (bytes.length < MIN_LENGTH) {
    throw new SignalError(SignalErrorCode.InvalidMessage, `${what} is too short (${bytes.length} bytes)`);
  }
  const version = bytes[0]! >> 4;
  if (version !== SENDER_KEY_MESSAGE_VERSION) {
    const kind = version < SENDER_KEY_MESSAGE_VERSION ? "legacy" : "unrecognized";
    throw new SignalError(SignalErrorCode.UnsupportedVersion, `${kind} ${what} version ${version}`);
  }
}

function readDistributionId(fields: ReturnType<typeof readFields>, what: string): string {
  return distributionIdFromBytes(requireBytes(fields, 1, `${what} distribution id`, 16));
}

/** Hands a receiver the sender's chain key and signing key. Sent over a pairwise session. */
export class SenderKeyDistributionMessage {
  private constructor(
    readonly distributionId: string,
    readonly chainId: number,
    readonly iteration: number,
    readonly chainKey: Uint8Array,
    readonly signingKey: PublicKey,
    private readonly serialized: Uint8Array,
  ) {}

  static create(distributionId: string, chainId: number, iteration: number, chainKey: Uint8Array, signingKey: PublicKey): SenderKeyDistributionMessage {
    const writer = new BinaryWriter();
    writeBytes(writer, 1, distributionIdToBytes(distributionId));
    writeUint32(writer, 2, chainId);
    writeUint32(writer, 3, iteration);
    writeBytes(writer, 4, chainKey);
    writeBytes(writer, 5, signingKey.serialize());
    const body = writer.finish();
    const serialized = new Uint8Array(1 + body.length);
    serialized[0] = VERSION_BYTE;
    serialized.set(body, 1);
    const canonicalId = distributionIdFromBytes(distributionIdToBytes(distributionId));
    return new SenderKeyDistributionMessage(canonicalId, chainId, iteration, chainKey.slice(), signingKey, serialized);
  }

  /** Throws INVALID_MESSAGE, UNSUPPORTED_VERSION, or INVALID_KEY for a bad signing key type. */
  static deserialize(bytes: Uint8Array): SenderKeyDistributionMessage {
    const what = "sender key distribution message";
    checkHeader(bytes, what);
    const fields = readFields(bytes.subarray(1), what);
    const distributionId = readDistributionId(fields, what);
    const chainId = requireUint32(fields, 2, `${what} chain id`);
    const iteration = requireUint32(fields, 3, `${what} iteration`);
    const chainKey = requireBytes(fields, 4, `${what} chain key`, 32);
    const signingKey = PublicKey.deserialize(requireBytes(fields, 5, `${what} signing key`, 33));
    return new SenderKeyDistributionMessage(distributionId, chainId, iteration, chainKey, signingKey, bytes.slice());
  }

  serialize(): Uint8Array {
    return this.serialized.slice();
  }
}

/** One group message: encrypted under a chain's message key and signed by the chain's key. */
export class SenderKeyMessage {
  private constructor(
    readonly distributionId: string,
    readonly chainId: number,
    readonly iteration: number,
    readonly ciphertext: Uint8Array,
    /** The whole message as sent; never mutated after construction. */
    readonly serialized: Uint8Array,
  ) {}

  /** `distributionIdBytes` is the 16-byte form, so the hot path parses the UUID text only once. */
  static async create(
    distributionIdBytes: Uint8Array,
    chainId: number,
    iteration: number,
    ciphertext: Uint8Array,
    signingKey: PrivateKey,
    random: RandomSource,
  ): Promise<SenderKeyMessage> {
    const writer = new BinaryWriter();
    writeBytes(writer, 1, distributionIdBytes);
    writeUint32(writer, 2, chainId);
    writeUint32(writer, 3, iteration);
    writeBytes(writer, 4, ciphertext);
    const body = writer.finish();
    const serialized = new Uint8Array(1 + body.length + SIGNATURE_LENGTH);
    serialized[0] = VERSION_BYTE;
    serialized.set(body, 1);
    const signature = await signingKey.signAsync(serialized.subarray(0, 1 + body.length), random);
    serialized.set(signature, 1 + body.length);
    return new SenderKeyMessage(distributionIdFromBytes(distributionIdBytes), chainId, iteration, ciphertext, serialized);
  }

  /** Parses without verifying the signature: the key to check it with lives in the record. */
  static deserialize(bytes: Uint8Array): SenderKeyMessage {
    const what = "sender key message";
    checkHeader(bytes, what);
    const fields = readFields(bytes.subarray(1, bytes.length - SIGNATURE_LENGTH), what);
    const distributionId = readDistributionId(fields, what);
    const chainId = requireUint32(fields, 2, `${what} chain id`);
    const iteration = requireUint32(fields, 3, `${what} iteration`);
    const ciphertext = requireBytes(fields, 4, `${what} ciphertext`);
    return new SenderKeyMessage(distributionId, chainId, iteration, ciphertext, bytes.slice());
  }

  verifySignature(signingKey: PublicKey): Promise<boolean> {
    const split = this.serialized.length - SIGNATURE_LENGTH;
    return signingKey.verifySignature(this.serialized.subarray(0, split), this.serialized.subarray(split));
  }

  serialize(): Uint8Array {
    return this.serialized.slice();
  }
}
