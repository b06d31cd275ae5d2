// What registering a primary and linking a device have in common: vet the device's keys against
// its identity key, and mint its password. Nothing is stored here.
import type { KyberPreKey, SignedPreKey } from "@parley/protocol";
import type { NewDevice } from "../ports/account-store.js";
import type { Random } from "../ports/random.js";
import { generatePassword, newPasswordHash } from "./credentials.js";
import { decodeIdentityKey, validateKyberPreKey, validateSignedPreKey } from "./key-validation.js";

export interface DeviceKeysInput {
  readonly identityKey: string;
  readonly registrationId: number;
  readonly signedPreKey: SignedPreKey;
  readonly pqLastResortPreKey: KyberPreKey;
  readonly name?: string;
}

export interface PreparedDevice {
  readonly identityKey: Uint8Array;
  readonly device: NewDevice;
  /** The plain password, returned to the device once. */
  readonly password: string;
}

/** Throws INVALID_KEY or INVALID_SIGNATURE before anything is spent or stored. */
export async function prepareNewDevice(input: DeviceKeysInput, random: Random, now: number): Promise<PreparedDevice> {
  const identityKey = decodeIdentityKey(input.identityKey);
  const signedPreKey = await validateSignedPreKey(identityKey, input.signedPreKey, "signedPreKey");
  const pqLastResortPreKey = await validateKyberPreKey(identityKey, input.pqLastResortPreKey, "pqLastResortPreKey");
  const password = generatePassword(random);
  const { hash, salt } = newPasswordHash(password, random);
  return {
    identityKey,
    password,
    device: {
      name: input.name ?? null,
      registrationId: input.registrationId,
      passwordHash: hash,
      passwordSalt: salt,
      createdAt: now,
      signedPreKey,
      pqLastResortPreKey,
    },
  };
}
