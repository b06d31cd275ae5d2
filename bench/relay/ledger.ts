// Bookkeeping of every benchmark message by id: sent, answered (200 or not), delivered how often
// and to whom, and its send-to-delivery latency. Message ids are 0..capacity-1, handed out in
// order, so a phase of the run is a contiguous id range.

/** Payload layout: float64 message id, float64 send time (performance.now(), ms), uint32 recipient index, filler. */
export const PAYLOAD_BYTES = 200;

/** Values of `answers`: 0 while unanswered. */
const Answer = { Ok: 1, Failed: 2 } as const;

export interface RangeFigures {
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Latencies of first deliveries in the range, sorted ascending (ms). */
  readonly latencies: Float64Array;
}

export class Ledger {
  private readonly answers: Uint8Array;
  private readonly deliveries: Uint8Array;
  private readonly latencyMs: Float64Array;
  private readonly scratch = new Uint8Array(PAYLOAD_BYTES).fill(0x5a);
  private readonly view = new DataView(this.scratch.buffer);
  /** Ids handed out so far. */
  issued = 0;
  answered = 0;
  failed = 0;
  /** Acknowledged with 200 and not delivered yet. */
  awaiting = 0;
  firstDeliveries = 0;
  duplicates = 0;
  /** Deliveries to a device the payload was not addressed to, or of unreadable payloads. */
  misrouted = 0;
  /** performance.now() of the latest first delivery. */
  lastDeliveryAt = 0;

  constructor(readonly capacity: number) {
    this.answers = new Uint8Array(capacity);
    this.deliveries = new Uint8Array(capacity);
    this.latencyMs = new Float64Array(capacity).fill(NaN);
  }

  /** Allocates the next id and writes its payload; the returned bytes are reused by the next call. */
  nextPayload(recipient: number, sentAt: number): { id: number; payload: Uint8Array } {
    if (this.issued >= this.capacity) throw new Error("ledger capacity exceeded");
    const id = this.issued++;
    this.view.setFloat64(0, id, true);
    this.view.setFloat64(8, sentAt, true);
    this.view.setUint32(16, recipient, true);
    return { id, payload: this.scratch };
  }

  answer(id: number, status: number): void {
    this.answered++;
    if (status !== 200) {
      this.answers[id] = Answer.Failed;
      this.failed++;
      return;
    }
    this.answers[id] = Answer.Ok;
    if (this.deliveries[id] === 0) this.awaiting++;
  }

  /** Records a delivery to device `recipient` at `now` (performance.now()). */
  deliver(recipient: number, content: Uint8Array, now: number): void {
    if (content.length !== PAYLOAD_BYTES) {
      this.misrouted++;
      return;
    }
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
    const id = view.getFloat64(0, true);
    if (!Number.isInteger(id) || id < 0 || id >= this.issued || view.getUint32(16, true) !== recipient) {
      this.misrouted++;
      return;
    }
    const seen = this.deliveries[id]!;
    if (seen < 255) this.deliveries[id] = seen + 1;
    if (seen > 0) {
      this.duplicates++;
      return;
    }
    this.firstDeliveries++;
    this.lastDeliveryAt = now;
    this.latencyMs[id] = now - view.getFloat64(8, true);
    if (this.answers[id] === Answer.Ok) this.awaiting--;
  }

  /** True when every id below `end` has been answered and every acknowledged one delivered. */
  settled(end: number): boolean {
    return this.answered >= end && this.awaiting === 0;
  }

  figures(start: number, end: number): RangeFigures {
    let delivered = 0;
    let lost = 0;
    let duplicates = 0;
    const latencies: number[] = [];
    for (let id = start; id < end; id++) {
      const count = this.deliveries[id]!;
      if (count > 0) {
        delivered++;
        duplicates += count - 1;
        latencies.push(this.latencyMs[id]!);
      } else if (this.answers[id] === Answer.Ok) {
        lost++;
      }
    }
    return { delivered, lost, duplicates, latencies: Float64Array.from(latencies).sort() };
  }
}

/** The q-quantile (0..1) of ascending `sorted`, NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
