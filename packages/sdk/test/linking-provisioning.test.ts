import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { KeyPair, PublicKey, type RandomSource } from "@parley/signal";
import { describe, expect, it } from "vitest";
import { LinkingErrorCode, isLinkingError, type LinkingErrorCode as Code } from "../src/linking/linking-error.js";
import { MAX_PROVISIONING_MESSAGE_BYTES, openProvisioningMessage, sealProvisioningMessage } from "../src/linking/provisioning-cipher.js";
import { encodeProvisioningPayload, type ProvisioningPayload } from "../src/linking/provisioning-payload.js";
import { seededRandom } from "./support/seeded-random.js";

const random = seededRandom("provisioning");
const newDevice = KeyPair.generate(random);
const identityKeyPair = KeyPair.generate(random);
const contactKey = KeyPair.generate(random).publicKey;
const accountId = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

const fullPayload: ProvisioningPayload = {
  accountId,
  primaryDeviceId: 1,
  identityKeyPair,
  linkToken: "Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV6",
  identifier: { kind: "username", value: "ada_lovelace" },
  contacts: [
    { accountId: "11111111-2222-4333-8444-555555555555", name: "Grace 💻", identityKey: contactKey, verified: true, identifier: { kind: "username", value: "grace" } },
    { accountId: "66666666-7777-4888-9999-aaaaaaaaaaaa", verified: false },
  ],
};
const minimalPayload: ProvisioningPayload = { accountId, primaryDeviceId: 1, identityKeyPair, linkToken: "t", contacts: [] };

/** The payload with keys as hex, for comparing by value. */
function plain(payload: ProvisioningPayload) {
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
  return {
    ...payload,
    identityKeyPair: { publicKey: hex(payload.identityKeyPair.publicKey.serialize()), privateKey: hex(payload.identityKeyPair.privateKey.serialize()) },
    contacts: payload.contacts.map((contact) => ({ ...contact, identityKey: contact.identityKey && hex(contact.identityKey.serialize()) })),
  };
}

async function expectLinkingError(promise: Promise<unknown>, code: Code, label?: string): Promise<void> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  expect(isLinkingError(thrown, code), `${label ?? ""} expected ${code}, got ${String(thrown)}`).toBe(true);
}

/** Seals `plaintext` following the documented format, independently of the implementation. */
async function sealByTheBook(plaintext: Uint8Array, recipient: PublicKey, source: RandomSource): Promise<Uint8Array> {
  const ephemeral = KeyPair.generate(source);
  const key = hkdf(sha256, await ephemeral.privateKey.agree(recipient), undefined, new TextEncoder().encode("Parley provisioning v1"), 32);
  const nonce = source(12);
  const header = Uint8Array.of(0x01, ...ephemeral.publicKey.serialize());
  return Uint8Array.of(...header, ...nonce, ...gcm(key, nonce, header).encrypt(plaintext));
}

describe("provisioning messages", () => {
  it("open to the payload that was sealed", async () => {
    for (const payload of [fullPayload, minimalPayload]) {
      const sealed = await sealProvisioningMessage(payload, newDevice.publicKey, random);
      expect(plain(await openProvisioningMessage(sealed, newDevice))).toEqual(plain(payload));
    }
  });

  it("hand over an identity key pair that signs for the account", async () => {
    const opened = await openProvisioningMessage(await sealProvisioningMessage(fullPayload, newDevice.publicKey, random), newDevice);
    const message = new TextEncoder().encode("signed prekey");
    expect(await identityKeyPair.publicKey.verifySignature(message, opened.identityKeyPair.privateKey.sign(message, random))).toBe(true);
  });

  it("are the version byte, the sealer's key, a nonce, then the ciphertext and its tag", async () => {
    const sealed = await sealProvisioningMessage(fullPayload, newDevice.publicKey, random);
    expect(sealed[0]).toBe(0x01);
    expect(sealed[1]).toBe(0x05);
    expect(sealed.length).toBe(1 + 33 + 12 + encodeProvisioningPayload(fullPayload).length + 16);
  });

  it("use a fresh key and nonce for every seal", async () => {
    const first = await sealProvisioningMessage(fullPayload, newDevice.publicKey, random);
    const second = await sealProvisioningMessage(fullPayload, newDevice.publicKey, random);
    expect(first.subarray(1, 34)).not.toEqual(second.subarray(1, 34));
    expect(first.subarray(34, 46)).not.toEqual(second.subarray(34, 46));
  });

  it("open when sealed by the documented construction", async () => {
    const sealed = await sealByTheBook(encodeProvisioningPayload(fullPayload), newDevice.publicKey, random);
    expect(plain(await openProvisioningMessage(sealed, newDevice))).toEqual(plain(fullPayload));
  });

  it("do not open with another key", async () => {
    const sealed = await sealProvisioningMessage(fullPayload, newDevice.publicKey, random);
    await expectLinkingError(openProvisioningMessage(sealed, KeyPair.generate(random)), LinkingErrorCode.MessageInvalid);
  });

  it("do not open after any byte is changed", async () => {
    const sealed = await sealProvisioningMessage(minimalPayload, newDevice.publicKey, random);
    for (let position = 0; position < sealed.length; position++) {
      for (const flip of [0x01, 0x80]) {
        const tampered = sealed.slice();
        tampered[position]! ^= flip;
        await expectLinkingError(openProvisioningMessage(tampered, newDevice), LinkingErrorCode.MessageInvalid, `byte ${position} ^ ${flip}`);
      }
    }
  });

  it("do not open when truncated or extended", async () => {
    const sealed = await sealProvisioningMessage(minimalPayload, newDevice.publicKey, random);
    for (const length of [0, 1, 34, 46, 61, sealed.length - 16, sealed.length - 1]) {
      await expectLinkingError(openProvisioningMessage(sealed.subarray(0, length), newDevice), LinkingErrorCode.MessageInvalid, `length ${length}`);
    }
    await expectLinkingError(openProvisioningMessage(Uint8Array.of(...sealed, 0), newDevice), LinkingErrorCode.MessageInvalid);
    await expectLinkingError(openProvisioningMessage(new Uint8Array(MAX_PROVISIONING_MESSAGE_BYTES + 1), newDevice), LinkingErrorCode.MessageInvalid);
  });

  it("do not open when the authentic payload breaks a rule", async () => {
    const otherKey = KeyPair.generate(random);
    const payloads: Record<string, Uint8Array> = {
      "not protobuf": Uint8Array.of(0xff, 0xff),
      "empty": new Uint8Array(0),
      "a key pair whose halves differ": encodeProvisioningPayload({ ...minimalPayload, identityKeyPair: new KeyPair(otherKey.publicKey, identityKeyPair.privateKey) }),
      "an account id that is no UUID": new BinaryWriter()
        .tag(1, WireType.LengthDelimited).string("alice")
        .tag(2, WireType.Varint).uint32(1)
        .tag(3, WireType.LengthDelimited).bytes(identityKeyPair.publicKey.serialize())
        .tag(4, WireType.LengthDelimited).bytes(identityKeyPair.privateKey.serialize())
        .tag(5, WireType.LengthDelimited).string("t")
        .finish(),
    };
    for (const [name, plaintext] of Object.entries(payloads)) {
      const sealed = await sealByTheBook(plaintext, newDevice.publicKey, random);
      await expectLinkingError(openProvisioningMessage(sealed, newDevice), LinkingErrorCode.MessageInvalid, name);
    }
  });

  it("are not sealed from a payload that breaks a rule", async () => {
    const otherKey = KeyPair.generate(random);
    const invalid: Record<string, ProvisioningPayload> = {
      "an account id that is no UUID": { ...minimalPayload, accountId: "ALICE" },
      "a device id of 0": { ...minimalPayload, primaryDeviceId: 0 },
      "a device id of 128": { ...minimalPayload, primaryDeviceId: 128 },
      "a key pair whose halves differ": { ...minimalPayload, identityKeyPair: new KeyPair(otherKey.publicKey, identityKeyPair.privateKey) },
      "an empty link token": { ...minimalPayload, linkToken: "" },
      "a link token of 129 characters": { ...minimalPayload, linkToken: "t".repeat(129) },
      "a phone number that is not E.164": { ...minimalPayload, identifier: { kind: "phone", value: "0151 1234567" } },
      "a username in upper case": { ...minimalPayload, identifier: { kind: "username", value: "Ada" } },
      "a contact without an account id": { ...minimalPayload, contacts: [{ accountId: "", verified: false }] },
      "an empty contact name": { ...minimalPayload, contacts: [{ accountId, name: "", verified: false }] },
      "a contact with a malformed phone number": { ...minimalPayload, contacts: [{ accountId, verified: false, identifier: { kind: "phone", value: "12" } }] },
      "a contact name of 257 bytes": { ...minimalPayload, contacts: [{ accountId, name: "n".repeat(257), verified: false }] },
    };
    for (const [name, payload] of Object.entries(invalid)) {
      await expectLinkingError(sealProvisioningMessage(payload, newDevice.publicKey, random), LinkingErrorCode.PayloadInvalid, name);
    }
  });

  it("are not sealed beyond the size the server relays", async () => {
    const contacts = Array.from({ length: 1000 }, () => ({ accountId, name: "n".repeat(64), identityKey: contactKey, verified: true }));
    await expectLinkingError(sealProvisioningMessage({ ...minimalPayload, contacts }, newDevice.publicKey, random), LinkingErrorCode.PayloadTooLarge);
  });

  it("are not sealed to a low-order key", async () => {
    await expectLinkingError(sealProvisioningMessage(minimalPayload, PublicKey.fromRaw(new Uint8Array(32)), random), LinkingErrorCode.CodeInvalid);
  });
});
