// Delivery of one device's mailbox over one connection: the backlog in order, then a queue-empty
// marker, then new envelopes as wake-ups arrive. A 2xx response acknowledges (and deletes) an
// envelope; anything else leaves it for the next connection. At most `window` envelopes are
// unanswered at a time, so a slow device holds back its own queue and nobody else's.
import { deliverPath, queueEmptyPath } from "@parley/protocol";
import type { DeviceAddress } from "../ports/device-address.js";
import type { MailboxStore } from "../ports/mailbox-store.js";

/** Receives the answers to the requests a DeliveryChannel sends. */
export interface AnswerListener {
  /** The response's status, or 0 when the connection closed before a response came. */
  answered(tag: number, status: number): void;
}

/** The device end of a connection, as the delivery session needs it. */
export interface DeliveryChannel {
  /**
   * Sends a request (PUT `path`); `listener.answered(tag, status)` follows exactly once, never
   * before this call returns. Callback-based rather than a promise: this runs once per envelope.
   */
  request(path: string, body: Uint8Array, listener: AnswerListener, tag: number): void;
}

const ignoreAnswer: AnswerListener = { answered: () => undefined };
const emptyBody = new Uint8Array(0);

export interface DeliveryOptions {
  /** Envelopes sent and not yet answered, at most. */
  readonly window: number;
  /** Entries read from the store at a time. */
  readonly pageSize: number;
  /** Called with failures of the store or the channel; the session stops delivering. */
  readonly onError: (error: unknown) => void;
}

export class DeliverySession {
  private lastSeq = 0;
  private inFlight = 0;
  private pumping = false;
  private dirty = false;
  private closed = false;
  private sentEmpty = false;
  /** The last read found nothing more in the store: new entries may be offered directly. */
  private caughtUp = false;
  private acks: number[] = [];
  private flushScheduled = false;
  private readonly listener: AnswerListener = { answered: (seq, status) => this.answered(seq, status) };
  private readonly flush = (): void => this.flushAcks();

  constructor(
    private readonly device: DeviceAddress,
    private readonly mailbox: MailboxStore,
    private readonly channel: DeliveryChannel,
    private readonly options: DeliveryOptions,
  ) {}

  /** New envelopes may be queued (or the connection just opened): deliver what is there. */
  wake(): void {
    this.dirty = true;
    if (!this.pumping && !this.closed) void this.pump();
  }

  /**
   * Single-node fast path: an entry just appended for this device, handed over by the process
   * that appended it, so the session need not read it back. Returns false when the session cannot
   * take it directly (it is still reading, or its window is full); the caller then wakes it and it
   * reads the store as usual. Only valid when every append for the device goes through this
   * process, in seq order.
   */
  offer(entry: { readonly seq: number; readonly data: Uint8Array }): boolean {
    if (this.closed) return true;
    if (!this.caughtUp || this.pumping || this.inFlight >= this.options.window) return false;
    if (entry.seq > this.lastSeq) this.send(entry);
    return true;
  }

  /** Stops delivering; acknowledgements already received are still written. */
  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.dirty && !this.closed) {
        this.dirty = false;
        await this.drain();
      }
    } catch (error) {
      this.closed = true;
      this.options.onError(error);
    } finally {
      this.pumping = false;
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      const room = this.options.window - this.inFlight;
      if (room <= 0 || this.closed) {
        this.caughtUp = false;
        return;
      }
      const limit = Math.min(room, this.options.pageSize);
      const entries = await this.mailbox.read(this.device, this.lastSeq, limit);
      for (const entry of entries) {
        if (this.closed) return;
        this.send(entry);
      }
      this.caughtUp = entries.length < limit;
      if (entries.length < limit) {
        if (!this.sentEmpty && !this.closed) {
          this.sentEmpty = true;
          this.channel.request(queueEmptyPath, emptyBody, ignoreAnswer, 0);
        }
        return;
      }
    }
  }

  private send(entry: { readonly seq: number; readonly data: Uint8Array }): void {
    this.lastSeq = entry.seq;
    this.inFlight++;
    this.channel.request(deliverPath, entry.data, this.listener, entry.seq);
  }

  private answered(seq: number, status: number): void {
    const wasFull = this.inFlight >= this.options.window;
    this.inFlight--;
    if (status >= 200 && status < 300) {
      this.acks.push(seq);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.flush);
      }
    }
    if (wasFull && !this.closed) this.wake();
  }

  private flushAcks(): void {
    this.flushScheduled = false;
    const seqs = this.acks;
    this.acks = [];
    this.mailbox.ack(this.device, seqs).catch((error: unknown) => this.options.onError(error));
  }
}
