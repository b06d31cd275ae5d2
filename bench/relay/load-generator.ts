// Drives the benchmark devices: closed loop (each device keeps a bounded number of sends in flight)
// or open loop (a fixed aggregate rate, whatever the server's answers). Each device sends to a
// random other device. A phase ends when every send is answered and every acknowledged message
// delivered, or when nothing has progressed for the stall timeout.
import { Ledger } from "./ledger.js";
import type { BenchAccount } from "./register.js";
import { RelayDevice, type DeviceEvents } from "./relay-device.js";

export interface PhaseTiming {
  /** First message id of the phase, and one past the last. */
  readonly start: number;
  readonly end: number;
  /** performance.now() when the phase began. */
  readonly startedAt: number;
  /** False when the phase stalled before every acknowledged message was delivered. */
  readonly settled: boolean;
}

/** Runs `op` for every item, at most `concurrency` at once. */
export async function inBatches<T>(items: readonly T[], concurrency: number, op: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await op(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export class LoadGenerator implements DeviceEvents {
  readonly devices: RelayDevice[];
  readonly ledger: Ledger;
  /** Close codes of sockets the server closed during the run. */
  readonly disconnects: number[] = [];
  private onAnswered: (device: RelayDevice) => void = () => undefined;
  private progress: (() => void) | undefined;

  constructor(accounts: readonly BenchAccount[], capacity: number) {
    this.devices = accounts.map((account, i) => new RelayDevice(i, account, this));
    this.ledger = new Ledger(capacity);
  }

  async connect(baseUrl: string, concurrency: number): Promise<void> {
    await inBatches(this.devices, concurrency, (device) => device.connect(baseUrl));
  }

  answered(device: RelayDevice, messageId: number, status: number): void {
    this.ledger.answer(messageId, status);
    this.onAnswered(device);
    this.progress?.();
  }

  delivered(device: RelayDevice, content: Uint8Array): void {
    this.ledger.deliver(device.index, content, performance.now());
    this.progress?.();
  }

  closed(_device: RelayDevice, code: number): void {
    this.disconnects.push(code);
  }

  /** Closed loop: `count` messages, each device keeping up to `inFlight` sends unanswered. */
  async closedLoop(count: number, inFlight: number, stallMs: number): Promise<PhaseTiming> {
    const start = this.ledger.issued;
    const end = start + count;
    const fill = (device: RelayDevice) => {
      while (device.inFlight < inFlight && this.ledger.issued < end && device.isOpen) this.sendFrom(device, performance.now());
    };
    this.onAnswered = fill;
    const startedAt = performance.now();
    for (const device of this.devices) fill(device);
    const settled = await this.settle(end, stallMs);
    this.onAnswered = () => undefined;
    return { start, end, startedAt, settled };
  }

  /**
   * Open loop: `count` messages at `rate` per second from random devices. A message's send time
   * is when it was due, so a load generator that falls behind shows up in the latencies.
   */
  async openLoop(count: number, rate: number, stallMs: number): Promise<PhaseTiming> {
    const start = this.ledger.issued;
    const end = start + count;
    const intervalMs = 1000 / rate;
    const open = this.devices.filter((device) => device.isOpen);
    const startedAt = performance.now();
    const tick = () => {
      const due = Math.min(end, start + Math.floor((performance.now() - startedAt) / intervalMs) + 1);
      while (this.ledger.issued < due) {
        const scheduledAt = startedAt + (this.ledger.issued - start) * intervalMs;
        this.sendFrom(open[Math.floor(Math.random() * open.length)]!, scheduledAt);
      }
      if (this.ledger.issued < end) setTimeout(tick, 1);
    };
    tick();
    const settled = await this.settle(end, stallMs);
    return { start, end, startedAt, settled };
  }

  async close(): Promise<void> {
    await inBatches(this.devices, 500, (device) => device.close());
  }

  private sendFrom(device: RelayDevice, sentAt: number): void {
    const n = this.devices.length;
    const to = this.devices[(device.index + 1 + Math.floor(Math.random() * (n - 1))) % n]!;
    const { id, payload } = this.ledger.nextPayload(to.index, sentAt);
    device.send(to, id, payload);
  }

  /** Resolves true once every message below `end` is answered and delivered; false on a stall. */
  private settle(end: number, stallMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let last = -1;
      const done = (settled: boolean) => {
        this.progress = undefined;
        clearInterval(watchdog);
        resolve(settled);
      };
      const watchdog = setInterval(() => {
        const now = this.ledger.answered + this.ledger.firstDeliveries + this.ledger.issued;
        if (now === last) done(false);
        last = now;
      }, stallMs);
      this.progress = () => {
        if (this.ledger.issued >= end && this.ledger.settled(end)) done(true);
      };
      this.progress();
    });
  }
}
