// The persistent outbox. Everything the user sends is first written here, in the same unit of
// work as its history entry, so a message survives a crash or a restart between "send" and the
// server's 200. A single worker sends items in order; an item that fails transiently is retried
// with exponential backoff and jitter, and later items to the same recipient wait behind it so
// that a conversation keeps its order. Receivers dedupe on (sender, message id), which makes a
// resend after a crash (the server stored it, the 200 was lost) harmless.
import { decodeContent, encodeContent } from "../content/content-codec.js";
import { contentLimits, type Content } from "../content/content.js";
import { ApiRequestError, ParleyError, SdkErrorCode, isTransient } from "../errors.js";
import type { UnitOfWork } from "../storage/unit-of-work.js";
import { fromBase64, toBase64 } from "../util/bytes.js";
import { jitter, signalStores, type ClientContext } from "./context.js";
import { advanceStatus, History } from "./history.js";
import { putJson, scanJson } from "./json-records.js";
import { keys, type MessageRecord, type OutboxItem } from "./records.js";
import type { MessageSender } from "./sender.js";

export interface OutboxOptions {
  /** First retry delay (before jitter) and the cap of its doubling. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

export class Outbox {
  #running = false;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly context: ClientContext,
    private readonly sender: MessageSender,
    private readonly options: OutboxOptions,
  ) {}

  /** Queues `content` for `to` inside the caller's unit of work; call wake() after it commits. */
  async enqueue(tx: UnitOfWork, to: string, content: Content, tracks?: OutboxItem["tracks"]): Promise<void> {
    const seq = await signalStores(this.context, tx).nextCounter("outbox");
    const now = this.context.clock.now();
    const item: OutboxItem = {
      v: 1,
      seq,
      messageId: content.messageId,
      to,
      content: toBase64(encodeContent(content)),
      ...(tracks ? { tracks } : {}),
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
    };
    putJson(tx, keys.outbox(seq), item);
  }

  /** Starts a pass now (or right after the running one). */
  wake(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    void this.run();
  }

  /** Lets held items go again (after the user accepted an identity key). */
  async release(accountId: string): Promise<void> {
    await this.context.runner.run(async (tx) => {
      for (const item of await scanJson<OutboxItem>(tx, keys.outboxAll)) {
        if (item.to !== accountId || item.blocked === undefined) continue;
        delete item.blocked;
        item.nextAttemptAt = 0;
        putJson(tx, keys.outbox(item.seq), item);
      }
    });
    this.wake();
  }

  /** Makes every item that is waiting out a retry delay due now (the connection just came back). */
  async retryNow(): Promise<void> {
    await this.context.runner.run(async (tx) => {
      const now = this.context.clock.now();
      for (const item of await scanJson<OutboxItem>(tx, keys.outboxAll)) {
        if (item.blocked !== undefined || item.nextAttemptAt <= now) continue;
        item.nextAttemptAt = now;
        putJson(tx, keys.outbox(item.seq), item);
      }
    });
    this.wake();
  }

  async items(): Promise<OutboxItem[]> {
    return this.context.runner.run((tx) => scanJson<OutboxItem>(tx, keys.outboxAll));
  }

  /** Resolves when no item is due or in progress (held and backed-off items may remain). */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  private async run(): Promise<void> {
    this.#running = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      do {
        this.#again = false;
        await this.pass();
      } while (this.#again && !this.#closed);
    } catch (error) {
      this.context.events.emit("error", { error, during: "outbox" });
    } finally {
      this.#running = false;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  private async pass(): Promise<void> {
    const items = await this.items();
    const held = new Set<string>();
    let nextDue = Infinity;
    const merged = new Set<number>();
    for (const [index, item] of items.entries()) {
      if (this.#closed) return;
      if (held.has(item.to) || merged.has(item.seq)) continue;
      const now = this.context.clock.now();
      if (item.blocked !== undefined || item.nextAttemptAt > now) {
        held.add(item.to);
        if (item.blocked === undefined) nextDue = Math.min(nextDue, item.nextAttemptAt);
        continue;
      }
      const riders = this.receiptRiders(item, items.slice(index + 1), now);
      for (const rider of riders) merged.add(rider.seq);
      const outcome = await this.attempt(item, riders);
      if (outcome === "retry") {
        held.add(item.to);
        nextDue = Math.min(nextDue, item.nextAttemptAt);
      } else if (outcome === "held") {
        held.add(item.to);
      }
    }
    if (nextDue !== Infinity && !this.#closed) {
      this.#timer = setTimeout(() => this.wake(), Math.max(0, nextDue - this.context.clock.now()));
    }
  }

  /**
   * Receipts of the same kind queued for the same recipient right after `item` (a receipt), which
   * go out with it as one message: under load a device acknowledges many messages at once, and
   * one receipt per message would cost a ratchet step each. Stops at the recipient's first item
   * of another kind, so nothing overtakes anything.
   */
  private receiptRiders(item: OutboxItem, later: readonly OutboxItem[], now: number): { seq: number; ids: string[] }[] {
    const first = decodeContent(fromBase64(item.content)).body;
    if (first.kind !== "receipt") return [];
    const riders: { seq: number; ids: string[] }[] = [];
    let count = first.messageIds.length;
    for (const next of later) {
      if (next.to !== item.to) continue;
      if (next.blocked !== undefined || next.nextAttemptAt > now) break;
      const body = decodeContent(fromBase64(next.content)).body;
      if (body.kind !== "receipt" || body.receipt !== first.receipt || count + body.messageIds.length > contentLimits.maxReceiptIds) break;
      riders.push({ seq: next.seq, ids: body.messageIds });
      count += body.messageIds.length;
    }
    return riders;
  }

  private async attempt(item: OutboxItem, riders: readonly { seq: number; ids: string[] }[] = []): Promise<"sent" | "retry" | "held" | "failed"> {
    let content = decodeContent(fromBase64(item.content));
    if (riders.length > 0 && content.body.kind === "receipt") {
      content = { ...content, body: { ...content.body, messageIds: [...content.body.messageIds, ...riders.flatMap((r) => r.ids)] } };
    }
    let serverTimestamp: number | undefined;
    try {
      serverTimestamp = await this.sender.send(item.to, content, { ephemeral: false });
    } catch (error) {
      return this.failed(item, error);
    }
    const updated = await this.context.runner.run(async (tx) => {
      tx.delete(keys.outbox(item.seq));
      for (const rider of riders) tx.delete(keys.outbox(rider.seq));
      return this.track(tx, item, "sent", serverTimestamp);
    });
    if (updated) this.context.events.emit("message-updated", { message: updated, change: "status" });
    return "sent";
  }

  private async failed(item: OutboxItem, error: unknown): Promise<"retry" | "held" | "failed"> {
    const message = error instanceof Error ? `${(error as ParleyError).code ?? error.name}: ${error.message}` : String(error);
    if (error instanceof ParleyError && error.code === SdkErrorCode.IdentityUntrusted) {
      item.blocked = "identity";
      item.lastError = message;
      await this.context.runner.run(async (tx) => putJson(tx, keys.outbox(item.seq), item));
      return "held";
    }
    const transient = isTransient(error) || (error instanceof ParleyError && error.code === SdkErrorCode.DeviceUnverified);
    if (transient) {
      item.attempts++;
      const cap = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** Math.min(item.attempts - 1, 30));
      const wait = error instanceof ApiRequestError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : cap * (0.5 + jitter(this.context.random) / 2);
      item.nextAttemptAt = this.context.clock.now() + wait;
      item.lastError = message;
      await this.context.runner.run(async (tx) => putJson(tx, keys.outbox(item.seq), item));
      return "retry";
    }
    const updated = await this.context.runner.run(async (tx) => {
      tx.delete(keys.outbox(item.seq));
      return this.track(tx, item, "failed", undefined, message);
    });
    if (updated) this.context.events.emit("message-updated", { message: updated, change: "status" });
    this.context.events.emit("error", { error, during: "send" });
    return "failed";
  }

  private async track(tx: UnitOfWork, item: OutboxItem, status: "sent" | "failed", serverTimestamp?: number, error?: string): Promise<MessageRecord | undefined> {
    const tracks = item.tracks;
    if (!tracks) return undefined;
    const history = new History(tx);
    const updated = await history.update(tracks.conversation, this.context.account.accountId, tracks.messageId, (record) => {
      if (status === "failed") {
        record.status = "failed";
        if (error !== undefined) record.error = error;
        return true;
      }
      const changed = advanceStatus(record, "sent");
      if (serverTimestamp !== undefined) (record as { serverTimestamp?: number }).serverTimestamp = serverTimestamp;
      return changed || serverTimestamp !== undefined;
    });
    return updated;
  }
}
