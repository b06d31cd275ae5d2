import { Events, type NatsConnection, type Subscription } from "nats";
import type { Bus, DeviceAddress, DeviceEvent, DeviceEventListener } from "../../ports/index.js";
import { decodeDeviceEvent, encodeDeviceEvent } from "./device-event-codec.js";
import { deviceSubject } from "./nats-subjects.js";
import type { ReconnectBackoff } from "./reconnect-backoff.js";

/** What NatsBus needs besides its connection; connectNatsBus fills it from NatsBusOptions. */
export interface NatsBusSettings {
  /** Subject prefix, already checked (checkSubjectPrefix). */
  readonly prefix: string;
  /** Reset on every reconnect, so the next outage starts with short waits again. */
  readonly backoff?: ReconnectBackoff;
  /** Wake-ups held while disconnected, at most; later ones are dropped. */
  readonly maxPendingWakeUps: number;
  /** How long `flush` and the drain in `close` may take before giving up. */
  readonly timeoutMs: number;
  readonly onListenerError?: (error: unknown) => void;
  readonly onHealthChange?: (healthy: boolean) => void;
  readonly onReconnect?: () => void;
}

/** Counters for metrics and tests; never event content. */
export interface NatsBusStats {
  /** NATS subscriptions held: one per device with at least one local listener. */
  readonly subscriptions: number;
  readonly listeners: number;
  /** Wake-ups held while disconnected, to be sent on reconnect. */
  readonly pending: number;
  /** Events that did not go to NATS: published while disconnected and not held, or refused. */
  readonly dropped: number;
  /** Payloads received on a device subject that did not decode; ignored. */
  readonly malformed: number;
}

interface Listener {
  readonly listener: DeviceEventListener;
  active: boolean;
}

interface DeviceSubscription {
  readonly listeners: Set<Listener>;
  nats: Subscription | undefined;
}

/**
 * A Bus across nodes over core NATS (no JetStream: the store is the truth, the bus only wakes).
 * Each device's events travel on `<prefix>.device.<accountId>.<deviceId>` (nats-subjects.ts),
 * encoded by device-event-codec.ts; payloads that do not decode are counted and ignored.
 * `subscribe` throws a TypeError for an address that cannot name a subject (account ids are
 * UUIDs, so only a caller's bug does that).
 *
 * - Local listeners get events published on this node directly, as queued microtasks, and the
 *   connection is opened with `noEcho`, so NATS never hands them back: a node keeps serving its own
 *   devices while NATS is unreachable. Events from other nodes are fanned out the same way. A
 *   listener that throws is reported to `onListenerError` and does not stop the others.
 * - A device has one NATS subscription while it has at least one local listener (reference
 *   counting); the client re-sends subscriptions itself after a reconnect.
 * - `publish` never throws and never waits. While disconnected, "messages" and "removed" are held,
 *   one per device and type, up to `maxPendingWakeUps`, and sent once reconnected; "connected" and
 *   "ephemeral" are dropped (stale ones would do harm or mean nothing). An event published in the
 *   instant between the connection dropping and the client reporting it may be lost.
 * - `onReconnect` is called after each reconnect, once held wake-ups are sent: events for local
 *   devices may have been lost meanwhile, so the composition root wakes every local subscriber
 *   (re-read the mailbox) and re-checks that each still exists. `healthy()` is false from the
 *   moment the client reports a disconnect until then; `onHealthChange` reports each change.
 *
 * Built by connectNatsBus, which opens the connection with the options this class relies on.
 */
export class NatsBus implements Bus {
  readonly #connection: NatsConnection;
  readonly #settings: NatsBusSettings;
  readonly #devices = new Map<string, DeviceSubscription>();
  /** Held wake-ups by "<subject> <type>", so each is held once; insertion order is send order. */
  readonly #pending = new Map<string, { readonly subject: string; readonly payload: Uint8Array }>();
  readonly #watching: Promise<void>;
  #connected = true;
  #closing: Promise<void> | undefined;
  #dropped = 0;
  #malformed = 0;

  constructor(connection: NatsConnection, settings: NatsBusSettings) {
    this.#connection = connection;
    this.#settings = settings;
    this.#watching = this.#watch();
  }

  publish(device: DeviceAddress, event: DeviceEvent): void {
    if (this.#closing !== undefined) return;
    let subject: string;
    let payload: Uint8Array;
    try {
      subject = deviceSubject(this.#settings.prefix, device);
      payload = encodeDeviceEvent(event);
    } catch {
      this.#dropped += 1;
      return;
    }
    const local = this.#devices.get(subject);
    if (local !== undefined) this.#fanOut(local, event);
    if (this.#connected) this.#send(subject, payload);
    else this.#hold(subject, event.type, payload);
  }

  subscribe(device: DeviceAddress, listener: DeviceEventListener): () => void {
    if (this.#closing !== undefined) return () => undefined;
    const subject = deviceSubject(this.#settings.prefix, device);
    const entry = this.#devices.get(subject) ?? this.#addDevice(subject);
    const subscription: Listener = { listener, active: true };
    entry.listeners.add(subscription);
    return () => {
      if (!subscription.active) return;
      subscription.active = false;
      entry.listeners.delete(subscription);
      if (entry.listeners.size > 0 || this.#devices.get(subject) !== entry) return;
      this.#devices.delete(subject);
      try {
        entry.nats?.unsubscribe();
      } catch {
        // The connection is closed: the subscription went with it.
      }
    };
  }

  async flush(): Promise<void> {
    if (this.#closing !== undefined || !this.#connected) return;
    await within(this.#connection.flush(), this.#settings.timeoutMs).catch(() => undefined);
  }

  healthy(): boolean {
    return this.#closing === undefined && this.#connected;
  }

  stats(): NatsBusStats {
    let listeners = 0;
    let subscriptions = 0;
    for (const entry of this.#devices.values()) {
      listeners += entry.listeners.size;
      if (entry.nats !== undefined) subscriptions += 1;
    }
    return { subscriptions, listeners, pending: this.#pending.size, dropped: this.#dropped, malformed: this.#malformed };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    for (const entry of this.#devices.values()) {
      for (const subscription of entry.listeners) subscription.active = false;
    }
    this.#devices.clear();
    this.#pending.clear();
    const connection = this.#connection;
    // Draining sends what is buffered (a "removed" published during shutdown, say) before closing.
    if (this.#connected && !connection.isClosed()) {
      await within(connection.drain(), this.#settings.timeoutMs).catch(() => undefined);
    }
    if (!connection.isClosed()) await connection.close();
    await this.#watching;
  }

  #addDevice(subject: string): DeviceSubscription {
    const entry: DeviceSubscription = { listeners: new Set(), nats: undefined };
    try {
      entry.nats = this.#connection.subscribe(subject, {
        // Runs inside the client's parser: must not throw (it would break the connection's reader).
        callback: (error, message) => {
          if (error !== null || this.#devices.get(subject) !== entry) return;
          const event = decodeDeviceEvent(message.data);
          if (event === undefined) this.#malformed += 1;
          else this.#fanOut(entry, event);
        },
      });
    } catch {
      // Only a closed connection refuses; local listeners still get this node's events.
    }
    this.#devices.set(subject, entry);
    return entry;
  }

  #fanOut(entry: DeviceSubscription, event: DeviceEvent): void {
    for (const subscription of entry.listeners) queueMicrotask(() => this.#deliver(subscription, event));
  }

  #deliver(subscription: Listener, event: DeviceEvent): void {
    if (!subscription.active) return;
    this.#call(() => subscription.listener(event));
  }

  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      try {
        this.#settings.onListenerError?.(error);
      } catch {
        // Nothing left to report to.
      }
    }
  }

  #send(subject: string, payload: Uint8Array): void {
    try {
      this.#connection.publish(subject, payload);
    } catch {
      // Closed, draining, or larger than the server's max_payload.
      this.#dropped += 1;
    }
  }

  #hold(subject: string, type: DeviceEvent["type"], payload: Uint8Array): void {
    if (type !== "messages" && type !== "removed") {
      this.#dropped += 1;
      return;
    }
    const key = `${subject} ${type}`;
    if (this.#pending.has(key)) return;
    if (this.#pending.size >= this.#settings.maxPendingWakeUps) {
      this.#dropped += 1;
      return;
    }
    this.#pending.set(key, { subject, payload });
  }

  async #watch(): Promise<void> {
    const connection = this.#connection;
    // The client never ends a status iterator, not even on close: stop reading when it closes.
    const statuses = connection.status()[Symbol.asyncIterator]();
    const closed = connection.closed().then(
      () => ({ done: true }) as const,
      () => ({ done: true }) as const,
    );
    try {
      for (;;) {
        const step = await Promise.race([statuses.next(), closed]);
        if (step.done === true) break;
        if (this.#closing !== undefined) continue;
        if (step.value.type === Events.Disconnect) this.#setConnected(false);
        else if (step.value.type === Events.Reconnect) this.#reconnected();
      }
    } catch {
      // A failing status iterator means a closed connection; health says so below.
    }
    // Closed by the client itself (say, refused credentials): unhealthy for good.
    if (this.#closing === undefined) this.#setConnected(false);
  }

  #reconnected(): void {
    this.#settings.backoff?.reset();
    const wasConnected = this.#connected;
    this.#connected = true;
    const held = [...this.#pending.values()];
    this.#pending.clear();
    for (const { subject, payload } of held) this.#send(subject, payload);
    if (!wasConnected) this.#report(true);
    const { onReconnect } = this.#settings;
    if (onReconnect !== undefined) this.#call(onReconnect);
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.#report(connected);
  }

  #report(healthy: boolean): void {
    const { onHealthChange } = this.#settings;
    if (onHealthChange !== undefined) this.#call(() => onHealthChange(healthy));
  }
}

/** `promise`, or a rejection once `ms` pass; the timer never keeps the process alive. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from NATS within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
