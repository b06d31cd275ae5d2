// PreKeySignalMessage: the first messages of a session, carrying what Bob needs to run PQXDH.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { concatBytes } from "./bytes.js";
import { PublicKey } from "./curve.js";
import { KYBER1024_CIPHERTEXT_LENGTH } from "./kem.js";
import { optionalUint32, readFields, requireBytes, requireUint32, writeBytes, writeUint32 } from "./proto.js";
import { CIPHERTEXT_MESSAGE_VERSION, SignalMessage, checkSize, checkVersionByte } from "./signal-message.js";

export class PreKeySignalMessage {
  private constructor(
    readonly serialized: Uint8Array,
    readonly registrationId: number,
    readonly preKeyId: number | undefined,
    readonly signedPreKeyId: number,
    readonly kyberPreKeyId: number,
    readonly kyberCiphertext: Uint8Array,
    readonly baseKey: PublicKey,
    readonly identityKey: PublicKey,
    readonly message: SignalMessage,
  ) {}

  static create(args: {
    registrationId: number;
    preKeyId: number | undefined;
    signedPreKeyId: number;
    kyberPreKeyId: number;
    kyberCiphertext: Uint8Array;
    baseKey: PublicKey;
    identityKey: PublicKey;
    message: SignalMessage;
  }): PreKeySignalMessage {
    const writer = new BinaryWriter();
    if (args.preKeyId !== undefined) writeUint32(writer, 1, args.preKeyId);
    writeBytes(writer, 2, args.baseKey.serialize());
    writeBytes(writer, 3, args.identityKey.serialize());
    writeBytes(writer, 4, args.message.serialized);
    writeUint32(writer, 5, args.registrationId);
    writeUint32(writer, 6, args.signedPreKeyId);
    writeUint32(writer, 7, args.kyberPreKeyId);
    writeBytes(writer, 8, args.kyberCiphertext);
    const version = (CIPHERTEXT_MESSAGE_VERSION << 4) | CIPHERTEXT_MESSAGE_VERSION;
    const serialized = concatBytes(Uint8Array.of(version), writer.finish());
    return new PreKeySignalMessage(
      serialized,
      args.registrationId,
      args.preKeyId,
      args.signedPreKeyId,
      args.kyberPreKeyId,
      args.kyberCiphertext,
      args.baseKey,
      args.identityKey,
      args.message,
    );
  }

  static deserialize(bytes: Uint8Array): PreKeySignalMessage {
    checkSize(bytes, "PreKeySignalMessage");
    checkVersionByte(bytes[0], "PreKeySignalMessage");
    const fields = readFields(bytes.subarray(1), "PreKeySignalMessage");
    return new PreKeySignalMessage(
      bytes.slice(),
      optionalUint32(fields, 5, "registration id") ?? 0,
      optionalUint32(fields, 1, "prekey id"),
      requireUint32(fields, 6, "signed prekey id"),
      requireUint32(fields, 7, "Kyber prekey id"),
      requireBytes(fields, 8, "Kyber ciphertext", KYBER1024_CIPHERTEXT_LENGTH + 1),
      PublicKey.deserialize(requireBytes(fields, 2, "base key")),
      PublicKey.deserialize(requireBytes(fields, 3, "identity key")),
      SignalMessage.deserialize(requireBytes(fields, 4, "message")),
    );
  }
}
