// SignalMessage: version byte ‖ protobuf ‖ 8-byte truncated HMAC-SHA256, as libsignal frames it.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { concatBytes, constantTimeEqual } from "./bytes.js";
import { hmacSha256 } from "./crypto.js";
import { PublicKey } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import { optionalBytes, optionalUint32, readFields, requireBytes, requireUint32, writeBytes, writeUint32 } from "./proto.js";

/** Version 4: PQXDH sessions. Version 3 (no Kyber) is legacy and refused. */
export const CIPHERTEXT_MESSAGE_VERSION = 4;
export const MAC_LENGTH = 8;
/** The largest serialized message (pairwise or Sender Key) accepted; guards the parsers. */
export const MAX_MESSAGE_BYTES = 1 << 20;

export function checkVersionByte(byte: number | undefined, what: string): number {
  if (byte === undefined) throw new SignalError(SignalErrorCode.InvalidMessage, `${what} is empty`);
  const version = byte >> 4;
  if (version !== CIPHERTEXT_MESSAGE_VERSION) {
    throw new SignalError(SignalErrorCode.UnsupportedVersion, `${what} version ${version} is not supported`);
  }
  return version;
}

export function checkSize(bytes: Uint8Array, what: string): void {
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new SignalError(SignalErrorCode.MessageTooLarge, `${what} of ${bytes.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  }
}

function versionByte(): number {
  return (CIPHERTEXT_MESSAGE_VERSION << 4) | CIPHERTEXT_MESSAGE_VERSION;
}

export class SignalMessage {
  private constructor(
    readonly serialized: Uint8Array,
    readonly senderRatchetKey: PublicKey,
    readonly counter: number,
    readonly previousCounter: number,
    readonly ciphertext: Uint8Array,
  ) {}

  static create(args: {
    macKey: Uint8Array;
    senderRatchetKey: PublicKey;
    counter: number;
    previousCounter: number;
    ciphertext: Uint8Array;
    senderIdentityKey: PublicKey;
    receiverIdentityKey: PublicKey;
  }): SignalMessage {
    const writer = new BinaryWriter();
    writeBytes(writer, 1, args.senderRatchetKey.serialize());
    writeUint32(writer, 2, args.counter);
    writeUint32(writer, 3, args.previousCounter);
    writeBytes(writer, 4, args.ciphertext);
    const body = concatBytes(Uint8Array.of(versionByte()), writer.finish());
    const mac = computeMac(args.macKey, args.senderIdentityKey, args.receiverIdentityKey, body);
    return new SignalMessage(concatBytes(body, mac), args.senderRatchetKey, args.counter, args.previousCounter, args.ciphertext);
  }

  static deserialize(bytes: Uint8Array): SignalMessage {
    checkSize(bytes, "SignalMessage");
    checkVersionByte(bytes[0], "SignalMessage");
    if (bytes.length < 1 + MAC_LENGTH) throw new SignalError(SignalErrorCode.InvalidMessage, "SignalMessage is truncated");
    const fields = readFields(bytes.subarray(1, bytes.length - MAC_LENGTH), "SignalMessage");
    // pq_ratchet (field 5) belongs to SPQR, which Parley does not negotiate: it is ignored here,
    // while the MAC still covers it, so a peer that offers SPQR falls back to the classic ratchet.
    optionalBytes(fields, 5, "pq_ratchet");
    return new SignalMessage(
      bytes.slice(),
      PublicKey.deserialize(requireBytes(fields, 1, "ratchet key")),
      requireUint32(fields, 2, "counter"),
      optionalUint32(fields, 3, "previous counter") ?? 0,
      requireBytes(fields, 4, "ciphertext"),
    );
  }

  verifyMac(senderIdentityKey: PublicKey, receiverIdentityKey: PublicKey, macKey: Uint8Array): boolean {
    const body = this.serialized.subarray(0, this.serialized.length - MAC_LENGTH);
    const expected = computeMac(macKey, senderIdentityKey, receiverIdentityKey, body);
    return constantTimeEqual(expected, this.serialized.subarray(this.serialized.length - MAC_LENGTH));
  }
}

function computeMac(macKey: Uint8Array, sender: PublicKey, receiver: PublicKey, body: Uint8Array): Uint8Array {
  return hmacSha256(macKey, concatBytes(sender.serialize(), receiver.serialize(), body)).subarray(0, MAC_LENGTH);
}
