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
 * Wake-ups between nodes. Lossy and duplicable by contract: the mailbox store is the truth, and
 * a listener woken by "messages" re-reads it. Apart from ephemeral envelopes, events carry no
 * content. Publishing never waits for listeners.
 */
export interface Bus {
  publish(device: DeviceAddress, event: DeviceEvent): void;
  /** Calls `listener` for events of `device` until the returned function is called. */
  subscribe(device: DeviceAddress, listener: DeviceEventListener): () => void;
  close(): Promise<void>;
}
