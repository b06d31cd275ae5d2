// A MailboxStore decorator that feeds the metrics: envelopes in (with commit latency), envelopes
// out, and acceptance-to-acknowledgement time. For the last it remembers when each envelope it
// saw appended or read was accepted, until its acknowledgement; the memory is bounded, and an
// envelope it never saw (appended on another node and offered without a read) is not timed.
import type { DeviceAddress } from "../ports/device-address.js";
import type { MailboxStore, NewEnvelope, StoredEnvelope } from "../ports/mailbox-store.js";
import type { ServerMetrics } from "./server-metrics.js";

/** Envelopes remembered for timing, at most; beyond it the oldest are forgotten. */
const MAX_TRACKED = 100_000;

export class InstrumentedMailboxStore implements MailboxStore {
  /** Per device ("account:device"), seq → accepted at (ms). */
  readonly #acceptedAt = new Map<string, Map<number, number>>();
  #tracked = 0;

  constructor(
    private readonly inner: MailboxStore,
    private readonly metrics: ServerMetrics,
    private readonly now: () => number,
  ) {}

  async append(envelopes: readonly NewEnvelope[]): Promise<number[]> {
    const stop = this.metrics.commitSeconds.startTimer();
    const seqs = await this.inner.append(envelopes);
    stop();
    this.metrics.envelopesIn.inc(envelopes.length);
    envelopes.forEach((envelope, i) => this.#remember(envelope, seqs[i]!, envelope.receivedAt));
    return seqs;
  }

  async read(device: DeviceAddress, afterSeq: number, limit: number): Promise<StoredEnvelope[]> {
    const entries = await this.inner.read(device, afterSeq, limit);
    for (const entry of entries) this.#remember(device, entry.seq, entry.receivedAt);
    return entries;
  }

  async ack(device: DeviceAddress, seqs: readonly number[]): Promise<number> {
    const deleted = await this.inner.ack(device, seqs);
    this.metrics.envelopesOut.inc(deleted);
    const times = this.#acceptedAt.get(keyOf(device));
    if (times) {
      const now = this.now();
      for (const seq of seqs) {
        const acceptedAt = times.get(seq);
        if (acceptedAt === undefined) continue;
        times.delete(seq);
        this.#tracked--;
        this.metrics.deliverySeconds.observe(Math.max(0, now - acceptedAt) / 1000);
      }
      if (times.size === 0) this.#acceptedAt.delete(keyOf(device));
    }
    return deleted;
  }

  count(device: DeviceAddress): Promise<number> {
    return this.inner.count(device);
  }

  depth(): Promise<number> {
    return this.inner.depth();
  }

  async clear(device: DeviceAddress): Promise<void> {
    await this.inner.clear(device);
    this.#forget(keyOf(device));
  }

  purgeExpired(cutoff: number, limit: number): Promise<number> {
    return this.inner.purgeExpired(cutoff, limit);
  }

  #remember(device: DeviceAddress, seq: number, acceptedAt: number): void {
    const key = keyOf(device);
    let times = this.#acceptedAt.get(key);
    if (times === undefined) {
      times = new Map();
      this.#acceptedAt.set(key, times);
    }
    if (times.has(seq)) return;
    times.set(seq, acceptedAt);
    if (++this.#tracked > MAX_TRACKED) this.#forget(this.#acceptedAt.keys().next().value as string);
  }

  #forget(key: string): void {
    const times = this.#acceptedAt.get(key);
    if (!times) return;
    this.#tracked -= times.size;
    this.#acceptedAt.delete(key);
  }
}

function keyOf(device: DeviceAddress): string {
  return `${device.accountId}:${device.deviceId}`;
}
