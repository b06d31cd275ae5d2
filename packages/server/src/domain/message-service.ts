// Sending: one sealed envelope per device of the recipient, checked against the recipient's
// current devices, made durable, and only then acknowledged to the sender.
import { encodeEnvelope } from "@parley/protocol";
import type { AccountStore, DeviceRecord } from "../ports/account-store.js";
import type { Bus } from "../ports/bus.js";
import type { Clock } from "../ports/clock.js";
import type { MailboxStore, NewEnvelope } from "../ports/mailbox-store.js";
import type { Random } from "../ports/random.js";
import { ApiError, ErrorCode } from "./api-error.js";
import type { DeviceAuth } from "./authenticator.js";
import type { DomainSettings } from "./settings.js";

export interface OutgoingEnvelope {
  readonly deviceId: number;
  readonly registrationId: number;
  readonly type: number;
  readonly content: Uint8Array;
}

export interface SendRequest {
  readonly timestamp: number;
  readonly ephemeral: boolean;
  readonly urgent: boolean;
  readonly messages: readonly OutgoingEnvelope[];
}

/**
 * Hands freshly stored entries to a connection of the device on this node, if any (single-node
 * fast path); false when none took it, and a wake-up must go out instead.
 */
export interface LocalDelivery {
  offer(device: { readonly accountId: string; readonly deviceId: number }, entry: { readonly seq: number; readonly data: Uint8Array }): boolean;
}

export interface MessageServiceDeps {
  readonly accounts: AccountStore;
  readonly mailbox: MailboxStore;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: DomainSettings;
  /** Only when every append for every device goes through this process (single-node mode). */
  readonly localDelivery?: LocalDelivery;
}

export class MessageService {
  constructor(private readonly deps: MessageServiceDeps) {}

  /**
   * Queues `request` for the devices of `destination`. Resolves only when every envelope is
   * durable (ephemeral ones excepted: they go to connected devices only and are never stored).
   * Nothing is stored when any check fails.
   */
  async send(auth: DeviceAuth, destination: string, request: SendRequest): Promise<{ serverTimestamp: number }> {
    const { accounts, mailbox, bus, clock, random } = this.deps;
    this.checkLimits(request);
    const devices = await accounts.listDevices(destination);
    if (devices.length === 0) throw new ApiError(ErrorCode.AccountNotFound, "no such account");
    const expected = destination === auth.accountId ? devices.filter((d) => d.id !== auth.deviceId) : devices;
    checkDeviceSet(expected, request.messages);

    const now = clock.now();
    const ids = random.bytes(16 * request.messages.length);
    const envelopes: NewEnvelope[] = request.messages.map((m, i) => {
      const id = ids.subarray(16 * i, 16 * (i + 1));
      const data = encodeEnvelope({
        id,
        type: m.type,
        sourceAccount: auth.accountId,
        sourceDevice: auth.deviceId,
        destinationDevice: m.deviceId,
        clientTimestamp: request.timestamp,
        serverTimestamp: now,
        content: m.content,
        ephemeral: request.ephemeral,
        urgent: request.urgent,
      });
      return { id, accountId: destination, deviceId: m.deviceId, data, receivedAt: now };
    });
    if (request.ephemeral) {
      for (const e of envelopes) bus.publish(e, { type: "ephemeral", data: e.data });
    } else {
      const seqs = await mailbox.append(envelopes);
      const local = this.deps.localDelivery;
      envelopes.forEach((e, i) => {
        if (!local?.offer(e, { seq: seqs[i]!, data: e.data })) bus.publish(e, { type: "messages" });
      });
    }
    return { serverTimestamp: now };
  }

  private checkLimits(request: SendRequest): void {
    const { maxEnvelopesPerRequest, maxEnvelopeBytes } = this.deps.settings.messages;
    if (request.messages.length === 0) throw new ApiError(ErrorCode.InvalidRequest, "no messages to send");
    if (request.messages.length > maxEnvelopesPerRequest) {
      throw new ApiError(ErrorCode.TooManyItems, `at most ${maxEnvelopesPerRequest} envelopes per request`, {
        limit: maxEnvelopesPerRequest,
      });
    }
    for (const m of request.messages) {
      if (m.content.length === 0) throw new ApiError(ErrorCode.InvalidRequest, "an envelope has no content");
      if (m.content.length > maxEnvelopeBytes) {
        throw new ApiError(ErrorCode.EnvelopeTooLarge, `an envelope holds at most ${maxEnvelopeBytes} bytes`, {
          limit: maxEnvelopeBytes,
        });
      }
    }
  }
}

/** 409 when the envelopes do not name exactly the expected devices, 410 when some are stale. */
function checkDeviceSet(expected: readonly DeviceRecord[], messages: readonly OutgoingEnvelope[]): void {
  if (matchesExactly(expected, messages)) return;
  const byId = new Map(expected.map((d) => [d.id, d]));
  const given = new Set<number>();
  const extra: number[] = [];
  for (const m of messages) {
    if (given.has(m.deviceId)) throw new ApiError(ErrorCode.InvalidRequest, `device ${m.deviceId} appears twice`);
    given.add(m.deviceId);
    if (!byId.has(m.deviceId)) extra.push(m.deviceId);
  }
  const missing = expected.filter((d) => !given.has(d.id)).map((d) => d.id);
  if (missing.length > 0 || extra.length > 0) {
    throw new ApiError(ErrorCode.MismatchedDevices, "the envelopes do not match the recipient's devices", {
      missingDevices: missing,
      extraDevices: extra.sort((a, b) => a - b),
    });
  }
  const stale = messages.filter((m) => byId.get(m.deviceId)?.registrationId !== m.registrationId).map((m) => m.deviceId);
  if (stale.length > 0) {
    throw new ApiError(ErrorCode.StaleDevices, "some envelopes are for an earlier registration of the device", {
      staleDevices: stale.sort((a, b) => a - b),
    });
  }
}

/**
 * Whether the envelopes name every expected device once, each with its current registration id:
 * the common case, checked without allocating (both lists are short: at most the request's
 * envelope limit and the account's device limit). When false, checkDeviceSet works out why.
 */
function matchesExactly(expected: readonly DeviceRecord[], messages: readonly OutgoingEnvelope[]): boolean {
  if (expected.length !== messages.length) return false;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    for (let j = 0; j < i; j++) if (messages[j]!.deviceId === m.deviceId) return false;
    let found = false;
    for (const d of expected) {
      if (d.id === m.deviceId) {
        if (d.registrationId !== m.registrationId) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  // Same length, no duplicate and every envelope's device expected: every expected device is named.
  return true;
}
