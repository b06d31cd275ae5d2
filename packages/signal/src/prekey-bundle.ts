import type { PublicKey } from "./curve.js";
import type { KemPublicKey } from "./kem.js";

/**
 * What a server hands out to start a session with one device. The one-time EC prekey is
 * optional (they run out); the Kyber prekey is mandatory (a last-resort key stands in when the
 * one-time Kyber keys run out).
 */
export interface PreKeyBundle {
  readonly registrationId: number;
  readonly deviceId: number;
  readonly preKeyId?: number;
  readonly preKeyPublic?: PublicKey;
  readonly signedPreKeyId: number;
  readonly signedPreKeyPublic: PublicKey;
  readonly signedPreKeySignature: Uint8Array;
  readonly identityKey: PublicKey;
  readonly kyberPreKeyId: number;
  readonly kyberPreKeyPublic: KemPublicKey;
  readonly kyberPreKeySignature: Uint8Array;
}
