// What the primary hands a device it links (proto/content.proto, ProvisioningPayload): the
// account's identity key pair, the link token and enough to start. Only ever travels sealed
// (provisioning-cipher.ts). The same rules are checked before sealing and after opening.
import { accountIdPattern, e164Pattern, usernamePattern } from "@parley/protocol";
import { KeyPair, PrivateKey, PublicKey } from "@parley/signal";
import { BinaryReader, BinaryWriter, WireType, expectWireType, isUint, isWellFormedString, readBytes, readString, utf8Length } from "../content/wire.js";

export interface ProvisioningIdentifier {
  kind: "phone" | "username";
  value: string;
}

export interface ProvisioningContact {
  accountId: string;
  /** Absent or 1 to 256 bytes of UTF-8. */
  name?: string;
  /** The identity key the primary trusts for this contact. */
  identityKey?: PublicKey;
  /** The user compared safety numbers with this contact. */
  verified: boolean;
  /** The phone number or username the contact was found under, when known. */
  identifier?: ProvisioningIdentifier;
}

export interface ProvisioningPayload {
  accountId: string;
  primaryDeviceId: number;
  /** The account's identity key pair: the linked device signs its keys with it. */
  identityKeyPair: KeyPair;
  /** The single-use token for POST /v1/devices/link. */
  linkToken: string;
  identifier?: ProvisioningIdentifier;
  contacts: ProvisioningContact[];
}

const maxDeviceId = 127;
const maxLinkTokenLength = 128;
const maxContactNameBytes = 256;
const IdentifierKind = { phone: 1, username: 2 } as const;

/** A broken rule; the callers turn it into the LinkingError of their side. */
export class PayloadRuleError extends Error {}

function broken(message: string): PayloadRuleError {
  return new PayloadRuleError(message);
}

function checkIdentifier(identifier: ProvisioningIdentifier): void {
  const pattern = identifier.kind === "phone" ? e164Pattern : identifier.kind === "username" ? usernamePattern : undefined;
  if (pattern === undefined) throw broken("unknown identifier kind");
  if (typeof identifier.value !== "string" || !pattern.test(identifier.value)) throw broken(`identifier is not a valid ${identifier.kind}`);
}

function writeIdentifier(w: BinaryWriter, fieldNo: number, identifier: ProvisioningIdentifier): void {
  w.tag(fieldNo, WireType.LengthDelimited).fork();
  w.tag(1, WireType.Varint).uint32(IdentifierKind[identifier.kind]);
  w.tag(2, WireType.LengthDelimited).string(identifier.value);
  w.join();
}

function checkAccountId(value: unknown, field: string): void {
  if (typeof value !== "string" || !accountIdPattern.test(value)) throw broken(`${field} is not an account id`);
}

/**
 * Throws PayloadRuleError when a rule is broken. Checks that the identity key pair's halves
 * belong together by recomputing the public key: a mismatch would only show later, as
 * signatures the server and contacts refuse.
 */
export function checkProvisioningPayload(payload: ProvisioningPayload): void {
  checkAccountId(payload.accountId, "account id");
  if (!isUint(payload.primaryDeviceId, maxDeviceId) || payload.primaryDeviceId === 0) {
    throw broken(`primary device id must be 1 to ${maxDeviceId}`);
  }
  const { publicKey, privateKey } = payload.identityKeyPair;
  if (!PrivateKey.deserialize(privateKey.serialize()).publicKey().equals(publicKey)) {
    throw broken("identity private key does not match the identity public key");
  }
  const token: unknown = payload.linkToken;
  if (!isWellFormedString(token) || token.length === 0 || token.length > maxLinkTokenLength) {
    throw broken(`link token must be 1 to ${maxLinkTokenLength} characters`);
  }
  if (payload.identifier !== undefined) checkIdentifier(payload.identifier);
  if (!Array.isArray(payload.contacts)) throw broken("contacts is not a list");
  for (const contact of payload.contacts) {
    checkAccountId(contact.accountId, "contact account id");
    if (contact.name !== undefined) {
      if (!isWellFormedString(contact.name)) throw broken("contact name is not well-formed text");
      const length = utf8Length(contact.name);
      if (length === 0 || length > maxContactNameBytes) throw broken(`contact name must be 1 to ${maxContactNameBytes} bytes`);
    }
    if (contact.identityKey !== undefined && !(contact.identityKey instanceof PublicKey)) {
      throw broken("contact identity key is not a public key");
    }
    if (typeof contact.verified !== "boolean") throw broken("contact verified flag is not a boolean");
    if (contact.identifier !== undefined) checkIdentifier(contact.identifier);
  }
}

/** Encodes a payload that checkProvisioningPayload accepted. */
export function encodeProvisioningPayload(payload: ProvisioningPayload): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).string(payload.accountId);
  w.tag(2, WireType.Varint).uint32(payload.primaryDeviceId);
  w.tag(3, WireType.LengthDelimited).bytes(payload.identityKeyPair.publicKey.serialize());
  w.tag(4, WireType.LengthDelimited).bytes(payload.identityKeyPair.privateKey.serialize());
  w.tag(5, WireType.LengthDelimited).string(payload.linkToken);
  if (payload.identifier !== undefined) writeIdentifier(w, 6, payload.identifier);
  for (const contact of payload.contacts) {
    w.tag(7, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(contact.accountId);
    if (contact.name !== undefined) w.tag(2, WireType.LengthDelimited).string(contact.name);
    if (contact.identityKey !== undefined) w.tag(3, WireType.LengthDelimited).bytes(contact.identityKey.serialize());
    if (contact.verified) w.tag(4, WireType.Varint).bool(true);
    if (contact.identifier !== undefined) writeIdentifier(w, 5, contact.identifier);
    w.join();
  }
  return w.finish();
}

/** Reads a payload and checks its rules; throws (plain Error or PayloadRuleError) on anything bad. */
export function decodeProvisioningPayload(bytes: Uint8Array): ProvisioningPayload {
  const r = new BinaryReader(bytes);
  let accountId = "";
  let primaryDeviceId = 0;
  let publicKey: Uint8Array | undefined;
  let privateKey: Uint8Array | undefined;
  let linkToken = "";
  let identifier: ProvisioningIdentifier | undefined;
  const contacts: ProvisioningContact[] = [];
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    switch (fieldNo) {
      case 1:
        expectWireType(wireType, WireType.LengthDelimited, "account id");
        accountId = readString(r);
        break;
      case 2:
        expectWireType(wireType, WireType.Varint, "primary device id");
        primaryDeviceId = r.uint32();
        break;
      case 3:
        expectWireType(wireType, WireType.LengthDelimited, "identity public key");
        publicKey = readBytes(r);
        break;
      case 4:
        expectWireType(wireType, WireType.LengthDelimited, "identity private key");
        privateKey?.fill(0);
        privateKey = readBytes(r);
        break;
      case 5:
        expectWireType(wireType, WireType.LengthDelimited, "link token");
        linkToken = readString(r);
        break;
      case 6:
        expectWireType(wireType, WireType.LengthDelimited, "identifier");
        identifier = readIdentifier(r.bytes());
        break;
      case 7:
        expectWireType(wireType, WireType.LengthDelimited, "contact");
        contacts.push(readContact(r.bytes()));
        break;
      default:
        r.skip(wireType, fieldNo);
    }
  }
  if (publicKey === undefined || privateKey === undefined) throw broken("identity key pair is missing");
  const identityKeyPair = new KeyPair(PublicKey.deserialize(publicKey), PrivateKey.deserialize(privateKey));
  privateKey.fill(0);
  const payload: ProvisioningPayload = { accountId, primaryDeviceId, identityKeyPair, linkToken, contacts };
  if (identifier !== undefined) payload.identifier = identifier;
  checkProvisioningPayload(payload);
  return payload;
}

function readIdentifier(bytes: Uint8Array): ProvisioningIdentifier {
  const r = new BinaryReader(bytes);
  let kind = 0;
  let value = "";
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    if (fieldNo === 1) {
      expectWireType(wireType, WireType.Varint, "identifier kind");
      kind = r.uint32();
    } else if (fieldNo === 2) {
      expectWireType(wireType, WireType.LengthDelimited, "identifier value");
      value = readString(r);
    } else r.skip(wireType, fieldNo);
  }
  if (kind === IdentifierKind.phone) return { kind: "phone", value };
  if (kind === IdentifierKind.username) return { kind: "username", value };
  throw broken("unknown identifier kind");
}

function readContact(bytes: Uint8Array): ProvisioningContact {
  const r = new BinaryReader(bytes);
  const contact: ProvisioningContact = { accountId: "", verified: false };
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    switch (fieldNo) {
      case 1:
        expectWireType(wireType, WireType.LengthDelimited, "contact account id");
        contact.accountId = readString(r);
        break;
      case 2:
        expectWireType(wireType, WireType.LengthDelimited, "contact name");
        contact.name = readString(r);
        break;
      case 3:
        expectWireType(wireType, WireType.LengthDelimited, "contact identity key");
        contact.identityKey = PublicKey.deserialize(r.bytes());
        break;
      case 4:
        expectWireType(wireType, WireType.Varint, "contact verified flag");
        contact.verified = r.bool();
        break;
      case 5:
        expectWireType(wireType, WireType.LengthDelimited, "contact identifier");
        contact.identifier = readIdentifier(r.bytes());
        break;
      default:
        r.skip(wireType, fieldNo);
    }
  }
  return contact;
}
