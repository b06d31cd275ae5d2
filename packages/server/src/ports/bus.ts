import type { DeviceAddress } from "./device-address.js";

/** What a node may need to know about one device. */
export type DeviceEvent =
  /** New envelopes may be in the device's mailbox: re-read it. */
  | { readonly type: "messages" }
  /** A connection of the device opened (on this node or another); every other one closes. */
  | { readonly type: "connected"; readonly connectionId: string }
  /** The device was removed or its account re-registered: its connections close. */
  | { readonly type: "removed" }
  /**
   * An ephemeral envelope (typing, presence), for connections of the device only. Never stored:
   * losing it is allowed, which is why it may travel on the bus.
   */
  | { readonly type: "ephemeral"; readonly data: Uint8Array };

export type DeviceEventListener = (event: DeviceEvent) => void;

/**
 * Wake-ups between nodes. The mailbox store is the truth, and a listener woken by "messages"
 * re-reads it; apart from ephemeral envelopes, events carry no content.
 *
 * - Lossy and duplicable: an event may be lost or arrive more than once. A healthy bus delivers
 *   each event to the subscribers of its device on every node, the publishing node included.
 * - No order is promised between events published on different nodes; a node's events for one
 *   device arrive in publish order while the bus stays healthy.
 * - `publish` never waits for listeners and never throws, also while the bus is unhealthy or
 *   closed (the event may then be lost). Listeners never run inside `publish`; a listener that
 *   throws does not stop the others.
 * - A subscription takes effect on other nodes asynchronously; `flush` tells when. A subscriber
 *   that must not miss a wake-up subscribes, awaits `flush`, then reads the store.
 * - While `healthy()` is false, events may be lost in both directions. An adapter that can lose
 *   events this way tells the composition root when it recovers (NatsBus: `onReconnect`); every
 *   local subscriber must then act as if woken ("messages") and re-check that its device still
 *   exists, since a "removed" may have been lost too.
 */
export interface Bus {
  publish(device: DeviceAddress, event: DeviceEvent): void;
  /** Calls `listener` for events of `device` until the returned function is called. */
  subscribe(device: DeviceAddress, listener: DeviceEventListener): () => void;
  /**
   * Resolves once every subscription made on this bus before the call is in effect on every
   * node (events published anywhere from then on reach it), or at once, without that promise,
   * while unhealthy or closed. Never rejects.
   */
  flush(): Promise<void>;
  /** Whether events are expected to reach other nodes now: for readiness checks. False once closed. */
  healthy(): boolean;
  /** Stops delivery to every listener of this bus and releases its connections; idempotent. */
  close(): Promise<void>;
}
