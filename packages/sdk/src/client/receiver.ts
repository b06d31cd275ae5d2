// Handles the envelopes the server delivers. Order of work for each one: skip it if its id was
// processed before; decrypt, decode and apply it in ONE unit of work (advanced session, history
// entry, receipts queued, "processed" marks), commit, and only then answer 200, which lets the
// server delete it. A crash anywhere before the commit leaves the envelope on the server and the
// session as it was, so the redelivery decrypts. An envelope that cannot be decrypted is reported
// (event), answered 200 (a retry cannot help) and a new session is offered to its sender.
import { decodeEnvelope, type Envelope } from "@parley/protocol";
import { CiphertextMessageType, ProtocolAddress, SignalErrorCode, isSignalError, signalDecrypt, signalDecryptPreKey } from "@parley/signal";
import { decodeContent } from "../content/content-codec.js";
import type { Content } from "../content/content.js";
import { isContentError } from "../content/content-error.js";
import { newMessageId } from "../content/message-id.js";
import { unpadPlaintext } from "../content/padding.js";
import type { UnitOfWork } from "../storage/unit-of-work.js";
import { toHex } from "../util/bytes.js";
import { signalStores, type ClientContext } from "./context.js";
import type { ClientEvents } from "./events.js";
import { advanceStatus, History } from "./history.js";
import { putJson } from "./json-records.js";
import type { Outbox } from "./outbox.js";
import { keys, type MessageRecord } from "./records.js";

type PendingEvent = { [K in keyof ClientEvents]: { name: K; event: ClientEvents[K] } }[keyof ClientEvents];

export interface ReceiverOptions {
  readonly sendDeliveryReceipts: boolean;
  /** Called after commit when a linked device of this account announced itself (primary only). */
  readonly onDeviceLinked: (deviceId: number, registrationId: number) => void;
  /** At most one session reset per sender device in this window (ms). */
  readonly resetIntervalMs: number;
}

export class Receiver {
  readonly #lastReset = new Map<string, number>();

  constructor(
    private readonly context: ClientContext,
    private readonly outbox: Outbox,
    private readonly options: ReceiverOptions,
  ) {}

  /** Returns the status to answer the server with: 200 once the envelope is handled for good. */
  async handle(body: Uint8Array): Promise<number> {
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(body);
    } catch {
      this.context.events.emit("envelope-rejected", { from: "", device: 0, reason: "malformed" });
      return 200;
    }
    const idHex = toHex(envelope.id);
    const events: PendingEvent[] = [];
    let afterCommit: Array<() => void> = [];
    try {
      const outcome = await this.context.runner.run(async (tx) => {
        events.length = 0;
        afterCommit = [];
        if ((await tx.get(keys.processedEnvelope(idHex))) !== undefined) return "duplicate";
        const { content, identityChanged } = await this.decrypt(tx, envelope);
        if (identityChanged) events.push({ name: "identity-changed", event: { accountId: envelope.sourceAccount } });
        this.markProcessed(tx, idHex);
        await this.apply(tx, envelope, content, events, afterCommit);
        return "applied";
      });
      if (outcome === "applied") {
        if (events.some((e) => e.name !== "typing")) this.outbox.wake();
        for (const e of events) this.context.events.emit(e.name, e.event as never);
        for (const run of afterCommit) run();
      }
      return 200;
    } catch (error) {
      return this.rejected(envelope, idHex, error);
    }
  }

  private async decrypt(tx: UnitOfWork, envelope: Envelope): Promise<{ content: Content; identityChanged: boolean }> {
    const stores = signalStores(this.context, tx);
    const address = new ProtocolAddress(envelope.sourceAccount, envelope.sourceDevice);
    let padded: Uint8Array;
    if (envelope.type === CiphertextMessageType.PreKey) {
      padded = await signalDecryptPreKey(envelope.content, address, stores.preKeyStores, this.context.random);
    } else if (envelope.type === CiphertextMessageType.Whisper) {
      padded = await signalDecrypt(envelope.content, address, stores, stores, this.context.random);
    } else {
      throw new UnsupportedType(envelope.type);
    }
    // A changed identity key is accepted for receiving; the store marked it, the user is told.
    return { content: decodeContent(unpadPlaintext(padded)), identityChanged: stores.changedIdentities.has(envelope.sourceAccount) };
  }

  private markProcessed(tx: UnitOfWork, idHex: string): void {
    putJson(tx, keys.processedEnvelope(idHex), this.context.clock.now());
  }

  private async apply(tx: UnitOfWork, envelope: Envelope, content: Content, events: PendingEvent[], afterCommit: Array<() => void>): Promise<void> {
    const me = this.context.account.accountId;
    const from = envelope.sourceAccount;
    const dedupeKey = keys.processedMessage(from, content.messageId);
    if ((await tx.get(dedupeKey)) !== undefined) return;
    putJson(tx, dedupeKey, this.context.clock.now());
    const history = new History(tx);
    const body = content.body;
    switch (body.kind) {
      case "text": {
        const record: MessageRecord = {
          v: 1,
          messageId: content.messageId,
          conversation: from,
          author: from,
          authorDevice: envelope.sourceDevice,
          direction: from === me ? "out" : "in",
          sentAt: content.sentAt,
          receivedAt: this.context.clock.now(),
          serverTimestamp: envelope.serverTimestamp,
          text: body.text,
          ...(body.replyTo ? { replyTo: body.replyTo } : {}),
          status: "received",
          reactions: {},
        };
        if (await history.add(record)) {
          events.push({ name: "message", event: { message: record } });
          if (this.options.sendDeliveryReceipts && from !== me) {
            await this.outbox.enqueue(tx, from, this.receipt("delivered", [content.messageId]));
          }
        }
        return;
      }
      case "receipt": {
        for (const id of body.messageIds) {
          const updated = await history.update(from, me, id, (record) => advanceStatus(record, body.receipt));
          if (updated) events.push({ name: "message-updated", event: { message: updated, change: "status" } });
        }
        return;
      }
      case "typing":
        events.push({ name: "typing", event: { from, device: envelope.sourceDevice, started: body.started } });
        return;
      case "reaction":
      case "edit":
      case "delete":
        return this.applyChange(history, from, from, content, events);
      case "sessionReset":
        events.push({ name: "session-reset", event: { from, device: envelope.sourceDevice } });
        return;
      case "sentTranscript": {
        if (from !== me) return;
        const inner = body.content;
        const innerBody = inner.body;
        if (innerBody.kind === "text") {
          const record: MessageRecord = {
            v: 1,
            messageId: inner.messageId,
            conversation: body.destination,
            author: me,
            authorDevice: envelope.sourceDevice,
            direction: "out",
            sentAt: inner.sentAt,
            serverTimestamp: envelope.serverTimestamp,
            text: innerBody.text,
            ...(innerBody.replyTo ? { replyTo: innerBody.replyTo } : {}),
            status: "sent",
            reactions: {},
          };
          if (await history.add(record)) events.push({ name: "message", event: { message: record } });
        } else if (innerBody.kind === "reaction" || innerBody.kind === "edit" || innerBody.kind === "delete") {
          await this.applyChange(history, body.destination, me, inner, events);
        } else if (innerBody.kind === "receipt" && innerBody.receipt === "read") {
          // Another of my devices read these: mark them read here too.
          for (const id of innerBody.messageIds) {
            const updated = await history.update(body.destination, body.destination, id, (record) => {
              if (record.status === "read") return false;
              record.status = "read";
              return true;
            });
            if (updated) events.push({ name: "message-updated", event: { message: updated, change: "status" } });
          }
        }
        return;
      }
      case "deviceLinked":
        if (from === me && this.context.account.deviceId === 1 && envelope.sourceDevice === body.deviceId) {
          afterCommit.push(() => this.options.onDeviceLinked(body.deviceId, body.registrationId));
        }
        return;
      case "unknown":
        return;
    }
  }

  /** A reaction, edit or deletion by `author` in `conversation`. */
  private async applyChange(history: History, conversation: string, author: string, content: Content, events: PendingEvent[]): Promise<void> {
    const body = content.body;
    if (body.kind === "reaction") {
      const target = body.target;
      const updated = await history.update(conversation, target.author, target.messageId, (record) => {
        if (body.remove) {
          if (record.reactions[author] !== body.emoji) return false;
          delete record.reactions[author];
        } else {
          record.reactions[author] = body.emoji;
        }
        return true;
      });
      if (updated) events.push({ name: "message-updated", event: { message: updated, change: "reaction" } });
    } else if (body.kind === "edit") {
      // Only the author edits, so the target is looked up under the sender's own id.
      const updated = await history.update(conversation, author, body.targetMessageId, (record) => {
        if (record.deleted) return false;
        record.text = body.text;
        record.editedAt = content.sentAt;
        return true;
      });
      if (updated) events.push({ name: "message-updated", event: { message: updated, change: "edit" } });
    } else if (body.kind === "delete") {
      const updated = await history.update(conversation, author, body.targetMessageId, (record) => {
        if (record.deleted) return false;
        record.deleted = true;
        record.text = "";
        record.reactions = {};
        return true;
      });
      if (updated) events.push({ name: "message-updated", event: { message: updated, change: "delete" } });
    }
  }

  private receipt(kind: "delivered" | "read", messageIds: string[]): Content {
    return { messageId: newMessageId(this.context.random), sentAt: this.context.clock.now(), body: { kind: "receipt", receipt: kind, messageIds } };
  }

  private async rejected(envelope: Envelope, idHex: string, error: unknown): Promise<number> {
    const from = envelope.sourceAccount;
    const device = envelope.sourceDevice;
    const replay = isSignalError(error, SignalErrorCode.DuplicateMessage) || isSignalError(error, SignalErrorCode.ReusedBaseKey);
    const undecryptable = isSignalError(error) || error instanceof UnsupportedType;
    const invalidContent = isContentError(error);
    if (!replay && !undecryptable && !invalidContent) {
      // A local failure (storage): not acknowledged, so the server redelivers it later.
      this.context.events.emit("error", { error, during: "receive" });
      return 500;
    }
    try {
      await this.context.runner.run(async (tx) => this.markProcessed(tx, idHex));
    } catch (storeError) {
      this.context.events.emit("error", { error: storeError, during: "receive" });
      return 500;
    }
    if (replay) {
      this.context.events.emit("envelope-rejected", { from, device, reason: "replayed" });
    } else if (invalidContent) {
      this.context.events.emit("envelope-rejected", { from, device, reason: "invalid-content" });
    } else {
      const code = error instanceof UnsupportedType ? "UNSUPPORTED_TYPE" : (error as { code: string }).code;
      this.context.events.emit("decryption-failed", { from, device, code });
      void this.requestReset(from, device);
    }
    return 200;
  }

  /** Starts a new session with the sender's device by sending it a session-reset message. */
  private async requestReset(from: string, device: number): Promise<void> {
    const key = `${from}.${device}`;
    const now = this.context.clock.now();
    const last = this.#lastReset.get(key);
    if (last !== undefined && now - last < this.options.resetIntervalMs) return;
    this.#lastReset.set(key, now);
    try {
      await this.context.runner.run(async (tx) => {
        await signalStores(this.context, tx).deleteSession(from, device);
        await this.outbox.enqueue(tx, from, { messageId: newMessageId(this.context.random), sentAt: now, body: { kind: "sessionReset" } });
      });
      this.outbox.wake();
    } catch (error) {
      this.context.events.emit("error", { error, during: "session reset" });
    }
  }
}

class UnsupportedType extends Error {
  constructor(readonly type: number) {
    super(`unsupported envelope type ${type}`);
  }
}
