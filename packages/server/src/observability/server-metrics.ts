// The server's Prometheus metrics, in a registry of its own (two servers in one process, as in
// tests, do not share counters). Labels never hold user data: no account or device ids.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface MetricsSources {
  /** Device sockets open on this node. */
  readonly connections: () => number;
  /** Whether the bus (cross-node wake-ups) is connected. */
  readonly busHealthy: () => boolean;
  /** Envelopes queued in the store for all devices, read at scrape time. */
  readonly mailboxDepth: () => Promise<number>;
  /** This node's name, as a label of `parley_node_info`. */
  readonly node: string;
}

/** Commit latencies of a few hundred µs (SQLite group commit) up to seconds (a stalled database). */
const commitBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Accepted-to-acknowledged times, from a live device (ms) to one that was offline (hours). */
const deliveryBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86_400];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly envelopesIn: Counter;
  readonly envelopesOut: Counter;
  readonly commitSeconds: Histogram;
  readonly deliverySeconds: Histogram;
  readonly errors: Counter<"code">;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "parley_" });
    new Gauge({ name: "parley_node_info", help: "Always 1; its label names this node.", labelNames: ["node"], registers }).set({ node: sources.node }, 1);
    new Gauge({
      name: "parley_connections",
      help: "Device WebSocket connections open on this node.",
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: "parley_bus_up",
      help: "1 while the bus that wakes other nodes is connected, else 0.",
      registers,
      collect() {
        this.set(sources.busHealthy() ? 1 : 0);
      },
    });
    new Gauge({
      name: "parley_mailbox_depth",
      help: "Envelopes stored and not yet acknowledged, all devices (read from the store at scrape time).",
      registers,
      async collect() {
        this.set(await sources.mailboxDepth());
      },
    });
    this.envelopesIn = new Counter({ name: "parley_envelopes_in_total", help: "Envelopes accepted and durably stored.", registers });
    this.envelopesOut = new Counter({ name: "parley_envelopes_out_total", help: "Envelopes acknowledged by their device (and deleted).", registers });
    this.commitSeconds = new Histogram({
      name: "parley_mailbox_commit_seconds",
      help: "Time for one append to become durable in the store.",
      buckets: commitBuckets,
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: "parley_delivery_seconds",
      help: "From an envelope's acceptance to its acknowledgement by the device, for envelopes this node saw stored or read.",
      buckets: deliveryBuckets,
      registers,
    });
    this.errors = new Counter({
      name: "parley_api_errors_total",
      help: "Error responses of the API (HTTP and WebSocket), by stable error code.",
      labelNames: ["code"],
      registers,
    });
  }

  /** The text exposition format, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
