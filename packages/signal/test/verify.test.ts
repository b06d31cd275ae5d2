import { describe, expect, it } from "vitest";
import { KeyPair } from "../src/curve.js";
import { generateKyberPreKey, generateSignedPreKey } from "../src/prekey-records.js";
import { secureRandom } from "../src/random.js";
import { isValidPublicKey, verifyKyberPreKey, verifySignedPreKey } from "../src/verify.js";

describe("prekey signature checks for the server", () => {
  const identity = KeyPair.generate(secureRandom);
  const other = KeyPair.generate(secureRandom);
  const idBytes = identity.publicKey.serialize();

  it("accepts a signed prekey and a Kyber prekey signed by the identity key", async () => {
    const signed = generateSignedPreKey(identity, 1, 0, secureRandom);
    const kyber = generateKyberPreKey(identity, 1, 0, secureRandom);
    expect(await verifySignedPreKey(idBytes, signed.keyPair.publicKey.serialize(), signed.signature)).toBe(true);
    expect(await verifyKyberPreKey(idBytes, kyber.keyPair.publicKey.serialize(), kyber.signature)).toBe(true);
  });

  it("rejects keys signed by another identity, tampered keys and malformed input", async () => {
    const signed = generateSignedPreKey(other, 1, 0, secureRandom);
    const kyber = generateKyberPreKey(identity, 1, 0, secureRandom);
    const kyberBytes = kyber.keyPair.publicKey.serialize();
    expect(await verifySignedPreKey(idBytes, signed.keyPair.publicKey.serialize(), signed.signature)).toBe(false);
    const tampered = kyberBytes.slice();
    tampered[500] = tampered[500]! ^ 1;
    expect(await verifyKyberPreKey(idBytes, tampered, kyber.signature)).toBe(false);
    expect(await verifyKyberPreKey(idBytes, kyberBytes.subarray(0, 100), kyber.signature)).toBe(false);
    expect(await verifyKyberPreKey(idBytes.subarray(1), kyberBytes, kyber.signature)).toBe(false);
    expect(await verifyKyberPreKey(idBytes, kyberBytes, kyber.signature.subarray(0, 63))).toBe(false);
    expect(isValidPublicKey(idBytes)).toBe(true);
    expect(isValidPublicKey(Uint8Array.of(0x06, ...idBytes.subarray(1)))).toBe(false);
  });
});
