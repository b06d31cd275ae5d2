import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { KeyPair } from "@parley/signal";
import { describe, expect, it } from "vitest";
import { signDeviceList, verifyDeviceList, type DeviceListStatement, type SignedDeviceList } from "../src/linking/device-list.js";
import { LinkingErrorCode, isLinkingError, type LinkingErrorCode as Code } from "../src/linking/linking-error.js";
import { seededRandom } from "./support/seeded-random.js";

const random = seededRandom("device list");
const identity = KeyPair.generate(random);
const accountId = "7e6d5c4b-3a29-4817-8f6e-5d4c3b2a1908";
const statement: DeviceListStatement = {
  accountId,
  version: 12,
  devices: [
    { deviceId: 1, registrationId: 4242 },
    { deviceId: 2, registrationId: 1 },
    { deviceId: 127, registrationId: 16383 },
  ],
  signedAt: 1_718_000_000_000,
};
const prefix = new TextEncoder().encode("Parley device list v1\0");

async function expectLinkingError(promise: Promise<unknown>, code: Code, label?: string): Promise<void> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  expect(isLinkingError(thrown, code), `${label ?? ""} expected ${code}, got ${String(thrown)}`).toBe(true);
}

/** Statement bytes signed as signDeviceList signs, whatever they contain. */
function signRaw(bytes: Uint8Array): SignedDeviceList {
  return { statement: bytes, signature: identity.privateKey.sign(Uint8Array.of(...prefix, ...bytes), random) };
}

function writeStatement(fields: (w: BinaryWriter) => void): Uint8Array {
  const w = new BinaryWriter();
  fields(w);
  return w.finish();
}

function entry(w: BinaryWriter, deviceId: number, registrationId: number): BinaryWriter {
  return w.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.Varint).uint32(deviceId).tag(2, WireType.Varint).uint32(registrationId).join();
}

describe("signed device lists", () => {
  it("verify to the statement that was signed", async () => {
    const signed = await signDeviceList(statement, identity.privateKey, random);
    expect(await verifyDeviceList(signed, identity.publicKey, accountId)).toEqual(statement);
  });

  it("encode a statement to the same bytes every time", async () => {
    const first = await signDeviceList(statement, identity.privateKey, random);
    const second = await signDeviceList(structuredClone(statement), identity.privateKey, random);
    expect(second.statement).toEqual(first.statement);
  });

  it("round-trip any valid statement", async () => {
    const statements = fc.record({
      accountId: fc.uuid().map((id) => id.toLowerCase()),
      version: fc.maxSafeNat(),
      devices: fc
        .uniqueArray(fc.integer({ min: 1, max: 127 }), { maxLength: 127 })
        .chain((ids) => fc.tuple(...ids.sort((a, b) => a - b).map((deviceId) => fc.record({ deviceId: fc.constant(deviceId), registrationId: fc.integer({ min: 1, max: 0x3fff }) })))),
      signedAt: fc.maxSafeNat(),
    });
    await fc.assert(
      fc.asyncProperty(statements, async (generated) => {
        const signed = await signDeviceList(generated, identity.privateKey, random);
        expect(await verifyDeviceList(signed, identity.publicKey, generated.accountId)).toEqual(generated);
      }),
      { numRuns: 50 },
    );
  });

  it("do not verify with another identity key", async () => {
    const signed = await signDeviceList(statement, identity.privateKey, random);
    await expectLinkingError(verifyDeviceList(signed, KeyPair.generate(random).publicKey, accountId), LinkingErrorCode.DeviceListBadSignature);
  });

  it("do not verify after any byte of the statement or signature is changed", async () => {
    const signed = await signDeviceList(statement, identity.privateKey, random);
    for (const part of ["statement", "signature"] as const) {
      for (let position = 0; position < signed[part].length; position++) {
        const tampered = { ...signed, [part]: signed[part].slice() };
        tampered[part][position]! ^= 0x01;
        await expectLinkingError(verifyDeviceList(tampered, identity.publicKey, accountId), LinkingErrorCode.DeviceListBadSignature, `${part} byte ${position}`);
      }
    }
  });

  it("do not verify a signature made without the domain prefix", async () => {
    const signed = await signDeviceList(statement, identity.privateKey, random);
    const unprefixed = { statement: signed.statement, signature: identity.privateKey.sign(signed.statement, random) };
    await expectLinkingError(verifyDeviceList(unprefixed, identity.publicKey, accountId), LinkingErrorCode.DeviceListBadSignature);
  });

  it("do not verify as the list of another account", async () => {
    const signed = await signDeviceList(statement, identity.privateKey, random);
    await expectLinkingError(verifyDeviceList(signed, identity.publicKey, "00000000-0000-4000-8000-000000000000"), LinkingErrorCode.DeviceListWrongAccount);
  });

  it("reject validly signed statements that break the format", async () => {
    const start = (w: BinaryWriter) => w.tag(1, WireType.LengthDelimited).string(accountId).tag(2, WireType.Varint).uint64(3);
    const malformed: Record<string, Uint8Array> = {
      "bytes that are not protobuf": Uint8Array.of(0xff, 0xff, 0xff),
      "an account id that is no UUID": writeStatement((w) => w.tag(1, WireType.LengthDelimited).string("alice")),
      "devices out of order": writeStatement((w) => entry(entry(start(w), 2, 5), 1, 5)),
      "a device listed twice": writeStatement((w) => entry(entry(start(w), 1, 5), 1, 5)),
      "a device id of 128": writeStatement((w) => entry(start(w), 128, 5)),
      "a registration id of 0": writeStatement((w) => entry(start(w), 1, 0)),
      "a version above 2^53 - 1": writeStatement((w) => w.tag(1, WireType.LengthDelimited).string(accountId).tag(2, WireType.Varint).uint64(2n ** 53n)),
      "fields out of order": writeStatement((w) => w.tag(2, WireType.Varint).uint64(3).tag(1, WireType.LengthDelimited).string(accountId)),
      "a default value written out": writeStatement((w) => start(w).tag(4, WireType.Varint).uint64(0)),
      "an unknown field": writeStatement((w) => start(w).tag(5, WireType.Varint).uint32(1)),
      "a statement over 4 KiB": writeStatement((w) => start(w).tag(6, WireType.LengthDelimited).bytes(new Uint8Array(5000))),
    };
    for (const [name, bytes] of Object.entries(malformed)) {
      await expectLinkingError(verifyDeviceList(signRaw(bytes), identity.publicKey, accountId), LinkingErrorCode.DeviceListMalformed, name);
    }
  });

  it("are not signed from a statement that breaks the format", async () => {
    const invalid: Record<string, DeviceListStatement> = {
      "an upper-case account id": { ...statement, accountId: accountId.toUpperCase() },
      "a negative version": { ...statement, version: -1 },
      "a version above 2^53 - 1": { ...statement, version: 2 ** 53 },
      "a fractional signing time": { ...statement, signedAt: 0.5 },
      "devices out of order": { ...statement, devices: [...statement.devices].reverse() },
      "a device listed twice": { ...statement, devices: [statement.devices[0]!, statement.devices[0]!] },
      "a device id of 0": { ...statement, devices: [{ deviceId: 0, registrationId: 1 }] },
      "a registration id of 16,384": { ...statement, devices: [{ deviceId: 1, registrationId: 0x4000 }] },
    };
    for (const [name, bad] of Object.entries(invalid)) {
      await expectLinkingError(signDeviceList(bad, identity.privateKey, random), LinkingErrorCode.DeviceListMalformed, name);
    }
  });
});
