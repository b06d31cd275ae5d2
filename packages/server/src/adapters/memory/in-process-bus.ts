import type { Bus, DeviceAddress, DeviceEvent, DeviceEventListener } from "../../ports/index.js";
import { addressKey } from "../../ports/index.js";

export interface InProcessBusOptions {
  /** Told about a listener that threw; the default ignores it. Never receives event content. */
  readonly onListenerError?: (error: unknown) => void;
}

interface Subscription {
  readonly listener: DeviceEventListener;
  active: boolean;
}

/**
 * A Bus for a single node: fans each event out to this process's subscribers of the device.
 *
 * `publish` only queues one microtask per subscriber, so it never runs listener code inline and
 * never waits for it. A listener that throws is reported to `onListenerError` and does not stop
 * the others. Nothing is lost or duplicated in-process, which the Bus contract allows but does
 * not promise. An unsubscribed listener gets no event, not even one published just before.
 */
export class InProcessBus implements Bus {
  readonly #subscriptions = new Map<string, Set<Subscription>>();
  readonly #onListenerError: (error: unknown) => void;
  #closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.#onListenerError = options.onListenerError ?? (() => undefined);
  }

  publish(device: DeviceAddress, event: DeviceEvent): void {
    if (this.#closed) return;
    const subscriptions = this.#subscriptions.get(addressKey(device));
    if (subscriptions === undefined) return;
    for (const subscription of subscriptions) {
      queueMicrotask(() => this.#deliver(subscription, event));
    }
  }

  subscribe(device: DeviceAddress, listener: DeviceEventListener): () => void {
    if (this.#closed) return () => undefined;
    const key = addressKey(device);
    let subscriptions = this.#subscriptions.get(key);
    if (subscriptions === undefined) {
      subscriptions = new Set();
      this.#subscriptions.set(key, subscriptions);
    }
    const subscription: Subscription = { listener, active: true };
    subscriptions.add(subscription);
    return () => {
      subscription.active = false;
      const current = this.#subscriptions.get(key);
      if (current === undefined) return;
      current.delete(subscription);
      if (current.size === 0) this.#subscriptions.delete(key);
    };
  }

  /** Subscriptions take effect at once in-process. */
  async flush(): Promise<void> {}

  /** There is no other node to lose contact with: healthy until closed. */
  healthy(): boolean {
    return !this.#closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const subscriptions of this.#subscriptions.values()) {
      for (const subscription of subscriptions) subscription.active = false;
    }
    this.#subscriptions.clear();
  }

  #deliver(subscription: Subscription, event: DeviceEvent): void {
    if (!subscription.active) return;
    try {
      subscription.listener(event);
    } catch (error) {
      this.#onListenerError(error);
    }
  }
}
