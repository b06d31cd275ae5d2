// Fuzzing every field of a send (docs/protocol.md, section 5.6), as JSON and as protobuf, over HTTP
// and over the WebSocket request path. Each request is judged against a model of the documented
// checks, worked out from the bytes actually sent: the status, the code and its details must be
// the documented ones; after a 200 each recipient device holds exactly one new envelope carrying
// the fields that were sent, and after anything else (or an ephemeral send) none holds a new one.
import { isDeepStrictEqual } from "node:util";
import { accountIdPattern, decodeEnvelope, decodeOutgoingMessages, TooManyMessagesError, WireError, type Envelope } from "@parley/protocol";
import fc from "fast-check";
import { BinaryWriter, WireType } from "@parley/protocol/wire";
import type { RegisteredDevice } from "../accounts.js";
import { TestSocket } from "../test-socket.js";
import { applyMutations, byteMutation, type ByteMutation } from "./byte-mutation.js";
import { authorizationOf } from "./http-fuzz.js";
import { FuzzCheckError, runFuzz, type FuzzResult, type FuzzRunOptions } from "./fuzz-run.js";
import { fuzzLimits, type FuzzServer } from "./fuzz-server.js";
import { objectOf, RawJson, toJsonText } from "./json-fuzz.js";
import { judgeAnswer } from "./response-checks.js";
import { percentEncode } from "./route-model.js";

type Transport = "http" | "ws";
type Encoding = "json" | "protobuf";

/** Which devices the messages name, before per-message changes. */
type Shape = "exact" | "missing" | "extra" | "duplicate" | "empty" | "many";

interface MessageChange {
  readonly deviceId?: unknown;
  readonly registrationId?: "stale" | { readonly value: unknown };
  readonly type?: unknown;
  readonly content?: { readonly bytes: number } | { readonly text: unknown };
  readonly extraKey?: boolean;
  readonly dropKey?: "deviceId" | "registrationId" | "type" | "content";
}

interface SendCase {
  readonly transport: Transport;
  readonly encoding: Encoding;
  /** Over the WebSocket, and to alice's own account, the sender is alice's primary (see fuzzSends). */
  readonly sender: "alice" | "aliceLaptop";
  readonly recipient: "bob" | "self" | "unknown" | { readonly malformed: string };
  readonly unknownAccount: string;
  readonly shape: Shape;
  readonly rotation: number;
  readonly extraDevice: unknown;
  readonly manyCount: number;
  readonly changes: readonly MessageChange[];
  readonly timestamp: unknown;
  readonly ephemeral: unknown;
  readonly urgent: unknown;
  readonly bodyExtraKey: boolean;
  /** Protobuf only: damage to the encoded body (the model then reads what the bytes say). */
  readonly damage: readonly ByteMutation[];
}

const absent = Symbol("absent");
const maxUint32 = 0xffffffff;
const now = 1_700_000_000_000;

const jsonInteger = (edges: readonly number[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...edges) },
    fc.constantFrom(-1, 1.5, -0, 2 ** 53, 1e21, "1", null, true, [], {}),
    fc.constantFrom("1e400", "1.0", "1E1", "-0", "9007199254740993").map((t) => new RawJson(t)),
  );

/** One change to one message: a field set to an edge or a wrong value, a key added or dropped. */
const messageChange: fc.Arbitrary<MessageChange> = fc.oneof(
  fc.record({ deviceId: jsonInteger([0, 1, 2, 3, 6, 126, 127, 128, maxUint32]) }),
  { weight: 2, arbitrary: fc.record({ registrationId: fc.oneof({ weight: 2, arbitrary: fc.constant("stale" as const) }, jsonInteger([0, 1, 0x3fff, 0x4000, maxUint32]).map((value) => ({ value }))) }) },
  { weight: 2, arbitrary: fc.record({ type: jsonInteger([0, 1, 2, 3, 0x7fffffff, maxUint32, maxUint32 + 1]) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      content: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(1, 2, 3, 1000, fuzzLimits.maxEnvelopeBytes - 1, fuzzLimits.maxEnvelopeBytes, fuzzLimits.maxEnvelopeBytes + 1, 0).map((bytes) => ({ bytes })) },
        fc.constantFrom("", "AB==", "AAA", "A", "====", "=", "AA==\n", " AA==", "-_8=", "AA=A", "QQ", 42, null, []).map((text) => ({ text })),
      ),
    }),
  },
  fc.record({ extraKey: fc.constant(true) }),
  fc.record({ dropKey: fc.constantFrom("deviceId" as const, "registrationId" as const, "type" as const, "content" as const) }),
);

const sendCase: fc.Arbitrary<SendCase> = fc.record({
  transport: fc.constantFrom("http" as const, "ws" as const),
  encoding: fc.constantFrom("json" as const, "protobuf" as const),
  sender: fc.oneof({ weight: 3, arbitrary: fc.constant("alice" as const) }, fc.constant("aliceLaptop" as const)),
  recipient: fc.oneof(
    { weight: 6, arbitrary: fc.constant("bob" as const) },
    { weight: 2, arbitrary: fc.constant("self" as const) },
    fc.constant("unknown" as const),
    fc.constantFrom("X", "00000000-0000-0000-0000-00000000000g", "0000000000000000000000000000000", " ", "%").map((malformed) => ({ malformed })),
  ),
  unknownAccount: fc.uuid(),
  shape: fc.oneof({ weight: 8, arbitrary: fc.constant("exact" as const) }, fc.constantFrom("missing" as const, "extra" as const, "duplicate" as const, "empty" as const, "many" as const)),
  rotation: fc.nat(),
  extraDevice: jsonInteger([1, 2, 3, 4, 5, 6, 7, 127]),
  manyCount: fc.constantFrom(fuzzLimits.maxEnvelopesPerRequest + 1, 33, 256, 257),
  changes: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, fc.array(fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, messageChange), { minLength: 1, maxLength: 4 })),
  timestamp: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 1, now, Number.MAX_SAFE_INTEGER) }, jsonInteger([0])),
  ephemeral: fc.oneof({ weight: 15, arbitrary: fc.constantFrom(absent, false, true) }, fc.constantFrom("true", 1, null)),
  urgent: fc.oneof({ weight: 15, arbitrary: fc.constantFrom(absent, false, true) }, fc.constantFrom("false", 0, null)),
  bodyExtraKey: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, fc.constant(true)),
  damage: fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, fc.array(byteMutation, { minLength: 1, maxLength: 2 })),
});

interface Device {
  readonly id: number;
  readonly registrationId: number;
}

interface Context {
  readonly sender: RegisteredDevice;
  readonly senderExists: boolean;
  /** The recipient account id as written into the path. */
  readonly recipientParam: string;
  readonly recipientId: string | undefined;
  /** The devices that must be named: the recipient's, less the sending device for its own account. */
  readonly expected: readonly Device[];
}

/** The messages of a case as plain values (JSON-ready; RawJson where JSON cannot say it). */
function messagesOf(c: SendCase, expected: readonly Device[]): Record<string, unknown>[] {
  const rotated = expected.length === 0 ? [] : expected.map((_, i) => expected[(i + c.rotation) % expected.length]!);
  let devices: { deviceId: unknown; registrationId: unknown }[] = rotated.map((d) => ({ deviceId: d.id, registrationId: d.registrationId }));
  switch (c.shape) {
    case "missing":
      devices = devices.slice(1);
      break;
    case "extra":
      devices.push({ deviceId: c.extraDevice, registrationId: 1 });
      break;
    case "duplicate":
      if (devices.length > 0) devices.push(devices[c.rotation % devices.length]!);
      break;
    case "empty":
      devices = [];
      break;
    case "many":
      if (devices.length > 0) devices = Array.from({ length: c.manyCount }, (_, i) => devices[i % devices.length]!);
      break;
    case "exact":
      break;
  }
  return devices.map((d, i) => {
    const change = c.changes[i] ?? {};
    const current = expected.find((e) => e.id === d.deviceId);
    const registrationId =
      change.registrationId === undefined ? d.registrationId : change.registrationId === "stale" ? ((current?.registrationId ?? 1) % 0x3fff) + 1 : change.registrationId.value;
    const content = change.content === undefined ? b64(contentBytes(3, i)) : "bytes" in change.content ? b64(contentBytes(change.content.bytes, i)) : change.content.text;
    const message: [string, unknown][] = [
      ["deviceId", change.deviceId ?? d.deviceId],
      ["registrationId", registrationId],
      ["type", change.type ?? 1],
      ["content", content],
    ];
    if (change.extraKey) message.push(["note", 1]);
    return objectOf(message.filter(([key]) => key !== change.dropKey));
  });
}

function contentBytes(length: number, salt: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + salt * 7 + 1) & 0xff);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function jsonBody(c: SendCase, expected: readonly Device[]): Uint8Array {
  const entries: [string, unknown][] = [
    ["timestamp", c.timestamp],
    ["messages", messagesOf(c, expected)],
  ];
  if (c.ephemeral !== absent) entries.push(["ephemeral", c.ephemeral]);
  if (c.urgent !== absent) entries.push(["urgent", c.urgent]);
  if (c.bodyExtraKey) entries.push(["extra", true]);
  return new TextEncoder().encode(toJsonText(objectOf(entries)));
}

/** Protobuf keeps only what its wire types can carry: integers become uint32/uint64 as far as they fit. */
function protobufBody(c: SendCase, expected: readonly Device[]): Uint8Array {
  const w = new BinaryWriter();
  const asUint = (value: unknown, max: number): number | undefined => (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max ? value : undefined);
  const timestamp = c.timestamp === 2 ** 53 ? 2n ** 53n : BigInt(asUint(c.timestamp, Number.MAX_SAFE_INTEGER) ?? 0);
  if (timestamp !== 0n) w.tag(1, WireType.Varint).uint64(timestamp);
  for (const m of messagesOf(c, expected)) {
    const inner = new BinaryWriter();
    const deviceId = asUint(m["deviceId"], maxUint32);
    const registrationId = asUint(m["registrationId"], maxUint32);
    const type = asUint(m["type"], maxUint32);
    if (deviceId) inner.tag(1, WireType.Varint).uint32(deviceId);
    if (registrationId) inner.tag(2, WireType.Varint).uint32(registrationId);
    if (type) inner.tag(3, WireType.Varint).uint32(type);
    const content = m["content"];
    if (typeof content === "string" && content.length > 0) inner.tag(4, WireType.LengthDelimited).bytes(Buffer.from(content, "base64"));
    w.tag(2, WireType.LengthDelimited).bytes(inner.finish());
  }
  if (c.ephemeral === true) w.tag(3, WireType.Varint).bool(true);
  if (c.urgent === true) w.tag(4, WireType.Varint).bool(true);
  if (c.bodyExtraKey) w.tag(15, WireType.LengthDelimited).bytes(Uint8Array.of(1, 2, 3));
  return applyMutations(w.finish(), c.damage);
}

interface ParsedSend {
  readonly timestamp: number;
  readonly ephemeral: boolean;
  readonly urgent: boolean;
  readonly messages: readonly { readonly deviceId: number; readonly registrationId: number; readonly type: number; readonly content: Uint8Array }[];
}

interface Expected {
  readonly status: number;
  readonly code?: string;
  readonly details?: Record<string, unknown>;
  /** Set for 200: what was accepted. */
  readonly send?: ParsedSend;
}

const invalid: Expected = { status: 400, code: "INVALID_REQUEST" };
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/** The SendMessages schema, as docs/protocol.md and the OpenAPI document state it. */
function parseJsonSend(bytes: Uint8Array): ParsedSend | Expected {
  let body: unknown;
  try {
    body = bytes.length === 0 ? {} : (JSON.parse(new TextDecoder().decode(bytes)) as unknown) ?? {};
  } catch {
    return invalid;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return invalid;
  const b = body as Record<string, unknown>;
  if (Object.keys(b).some((k) => !["timestamp", "messages", "ephemeral", "urgent"].includes(k))) return invalid;
  if (!isInt(b["timestamp"], 0, Number.MAX_SAFE_INTEGER)) return invalid;
  for (const flag of ["ephemeral", "urgent"]) if (flag in b && typeof b[flag] !== "boolean") return invalid;
  const messages = b["messages"];
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > 256) return invalid;
  const parsed: ParsedSend["messages"][number][] = [];
  for (const m of messages as unknown[]) {
    if (m === null || typeof m !== "object" || Array.isArray(m)) return invalid;
    const r = m as Record<string, unknown>;
    if (Object.keys(r).length !== 4) return invalid;
    const { deviceId, registrationId, type, content } = r;
    if (!isInt(deviceId, 1, 127) || !isInt(registrationId, 1, 0x3fff) || !isInt(type, 0, maxUint32)) return invalid;
    if (typeof content !== "string" || content.length < 1 || !base64Pattern.test(content)) return invalid;
    parsed.push({ deviceId, registrationId, type: type + 0, content: Buffer.from(content, "base64") });
  }
  // Canonical base64 only: a content that does not re-encode to itself is refused.
  for (const [i, m] of parsed.entries()) if (b64(m.content) !== (messages[i] as { content: string }).content) return invalid;
  // + 0: a JSON -0 is a valid 0, and is stored as 0.
  return { timestamp: b["timestamp"] + 0, ephemeral: b["ephemeral"] === true, urgent: b["urgent"] === true, messages: parsed };
}

function parseProtobufSend(bytes: Uint8Array): ParsedSend | Expected {
  try {
    return decodeOutgoingMessages(bytes, fuzzLimits.maxEnvelopesPerRequest);
  } catch (error) {
    if (error instanceof TooManyMessagesError) return { status: 413, code: "TOO_MANY_ITEMS", details: { limit: fuzzLimits.maxEnvelopesPerRequest } };
    if (error instanceof WireError) return invalid;
    throw error;
  }
}

/** The documented checks of section 5.6, in their order. */
function expectedOutcome(parsed: ParsedSend | Expected, context: Context): Expected {
  if (!context.senderExists) return { status: 401, code: "UNAUTHORIZED" };
  if ("status" in parsed) return parsed;
  if (!accountIdPattern.test(context.recipientParam)) return invalid;
  const { maxEnvelopesPerRequest, maxEnvelopeBytes } = fuzzLimits;
  if (parsed.messages.length === 0) return invalid;
  if (parsed.messages.length > maxEnvelopesPerRequest) return { status: 413, code: "TOO_MANY_ITEMS", details: { limit: maxEnvelopesPerRequest } };
  for (const m of parsed.messages) {
    if (m.content.length === 0) return invalid;
    if (m.content.length > maxEnvelopeBytes) return { status: 413, code: "ENVELOPE_TOO_LARGE", details: { limit: maxEnvelopeBytes } };
  }
  if (context.recipientId === undefined) return { status: 404, code: "ACCOUNT_NOT_FOUND" };
  const ids = parsed.messages.map((m) => m.deviceId);
  if (new Set(ids).size !== ids.length) return invalid;
  const expectedIds = context.expected.map((d) => d.id);
  const missing = expectedIds.filter((id) => !ids.includes(id));
  const extra = ids.filter((id) => !expectedIds.includes(id)).sort((a, b) => a - b);
  if (missing.length > 0 || extra.length > 0) return { status: 409, code: "MISMATCHED_DEVICES", details: { missingDevices: missing, extraDevices: extra } };
  const stale = parsed.messages.filter((m) => context.expected.find((d) => d.id === m.deviceId)?.registrationId !== m.registrationId).map((m) => m.deviceId);
  if (stale.length > 0) return { status: 410, code: "STALE_DEVICES", details: { staleDevices: stale.sort((a, b) => a - b) } };
  return { status: 200, send: parsed };
}

/** Sends over HTTP or alice's socket; returns the answer as HTTP would have it. */
async function deliver(server: FuzzServer, socket: TestSocket, c: SendCase, context: Context, body: Uint8Array) {
  const path = `/v1/messages/${percentEncode(context.recipientParam)}`;
  const contentType = c.encoding === "json" ? "application/json" : "application/x-protobuf";
  if (c.transport === "ws") {
    const response = await socket.request("PUT", path, body, { "content-type": contentType });
    return { status: response.status, contentType: response.headers["content-type"], body: response.body };
  }
  const authorization = authorizationOf(server, c.sender);
  return server.http.send({ method: "PUT", path, headers: { "content-type": contentType, ...(authorization ? { authorization } : {}) }, body });
}

export async function fuzzSends(server: FuzzServer, options: FuzzRunOptions): Promise<FuzzResult> {
  const stores = server.test.stores;
  const socket = await TestSocket.connect(server.url, server.alice.credentials, { autoRespond: 200, timeoutMs: 15_000 });
  /** Per device, the highest mailbox seq seen so far. */
  const cursors = new Map<string, number>();
  const drain = async (accountId: string, deviceId: number) => {
    const key = `${accountId}.${deviceId}`;
    let cursor = cursors.get(key) ?? 0;
    const fresh: { seq: number; envelope: Envelope }[] = [];
    for (;;) {
      const entries = await stores.mailbox.read({ accountId, deviceId }, cursor, 500);
      if (entries.length === 0) break;
      for (const e of entries) fresh.push({ seq: e.seq, envelope: decodeEnvelope(e.data) });
      cursor = entries[entries.length - 1]!.seq;
    }
    cursors.set(key, cursor);
    return fresh;
  };
  try {
    const result = await runFuzz(
      "send/envelope-fields",
      sendCase,
      async (input, tally) => {
        // Alice's primary holds the socket: it sends over it, and is the sender of every send to
        // alice's own account, so that no recipient device is connected (a connected one would
        // take its envelopes out of the mailbox).
        const c: SendCase = input.transport === "ws" || input.recipient === "self" ? { ...input, sender: "alice" } : input;
        const sender = c.sender === "alice" ? server.alice : server.aliceLaptop;
        const senderExists = (await stores.accounts.findDevice({ accountId: sender.credentials.accountId, deviceId: sender.credentials.deviceId })) !== undefined;
        const recipientId =
          c.recipient === "bob" ? server.bob.credentials.accountId : c.recipient === "self" ? sender.credentials.accountId : c.recipient === "unknown" ? c.unknownAccount : undefined;
        const recipientParam = typeof c.recipient === "object" ? c.recipient.malformed : recipientId!;
        const devices = recipientId === undefined ? [] : await stores.accounts.listDevices(recipientId);
        const expected = devices.filter((d) => !(recipientId === sender.credentials.accountId && d.id === sender.credentials.deviceId));
        const context: Context = { sender, senderExists, recipientParam, recipientId: devices.length > 0 ? recipientId : undefined, expected };
        for (const d of devices) await drain(d.accountId, d.id);

        const body = c.encoding === "json" ? jsonBody(c, expected) : protobufBody(c, expected);
        const want = expectedOutcome(c.encoding === "json" ? parseJsonSend(body) : parseProtobufSend(body), context);
        const answer = await deliver(server, socket, c, context, body);
        const what = () => `${c.transport} ${c.encoding} send to ${JSON.stringify(c.recipient)} of ${JSON.stringify(new TextDecoder().decode(body.subarray(0, 300)))}`;
        const { outcome } = judgeAnswer(answer, what);
        server.checkFaults(what);
        const got = JSON.parse(Buffer.from(answer.body).toString("utf8") || "null") as { code?: string; details?: unknown; serverTimestamp?: number } | null;
        if (answer.status !== want.status || (want.code !== undefined && got?.code !== want.code)) {
          throw new FuzzCheckError(`${what()}: answered ${outcome}, the documented answer is ${want.status} ${want.code ?? ""}`);
        }
        if (want.details !== undefined && !isDeepStrictEqual(got?.details, want.details)) {
          throw new FuzzCheckError(`${what()}: details ${JSON.stringify(got?.details)}, the documented ones are ${JSON.stringify(want.details)}`);
        }
        tally.count(`${c.transport} ${c.encoding} ${outcome}`);

        // What the store holds now: one envelope per device after a stored send, none otherwise.
        for (const d of devices) {
          const fresh = await drain(d.accountId, d.id);
          const sent = want.send?.messages.find((m) => m.deviceId === d.id);
          const stored = want.send !== undefined && !want.send.ephemeral && sent !== undefined;
          if (fresh.length !== (stored ? 1 : 0)) throw new FuzzCheckError(`${what()}: device ${d.id} got ${fresh.length} new envelopes, not ${stored ? 1 : 0}`);
          if (!stored || !sent || !want.send) continue;
          const e = fresh[0]!.envelope;
          const expectedEnvelope = {
            type: sent.type,
            sourceAccount: sender.credentials.accountId,
            sourceDevice: sender.credentials.deviceId,
            destinationDevice: d.id,
            clientTimestamp: want.send.timestamp,
            serverTimestamp: got?.serverTimestamp,
            content: new Uint8Array(sent.content),
            ephemeral: false,
            urgent: want.send.urgent,
          };
          const actual = { ...e, content: new Uint8Array(e.content) } as Partial<Envelope>;
          delete actual.id;
          if (e.id.length !== 16 || !isDeepStrictEqual(actual, expectedEnvelope)) {
            throw new FuzzCheckError(`${what()}: the stored envelope for device ${d.id} does not carry the sent fields`);
          }
        }
      },
      options,
    );
    await server.assertServing();
    return result;
  } finally {
    await socket.close();
  }
}
