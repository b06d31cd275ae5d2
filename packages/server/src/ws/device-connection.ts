// One authenticated device socket: it answers the device's API requests, delivers the device's
// mailbox through a DeliverySession, relays ephemeral envelopes, and closes when displaced by a
// newer connection of the same device or when the device is removed.
import { CloseCode, deliverPath } from "@parley/protocol";
import type { WebSocket } from "ws";
import type { DeviceAuth } from "../domain/authenticator.js";
import { type DeliveryChannel, DeliverySession } from "../domain/delivery-session.js";
import type { Bus, DeviceEvent } from "../ports/bus.js";
import type { MailboxStore } from "../ports/mailbox-store.js";
import { type Corkable, FrameSocket, type FrameSocketBounds, type RequestHandler } from "./frame-socket.js";

export interface DeviceConnectionDeps {
  readonly bus: Bus;
  readonly mailbox: MailboxStore;
  readonly now: () => number;
  readonly deliveryWindow: number;
  readonly onError: (error: unknown) => void;
}

export class DeviceConnection {
  readonly socket: FrameSocket;
  private readonly delivery: DeliverySession;
  private readonly unsubscribe: () => void;

  constructor(
    ws: WebSocket,
    readonly auth: DeviceAuth,
    readonly connectionId: string,
    handler: RequestHandler,
    private readonly deps: DeviceConnectionDeps,
    onClose: (connection: DeviceConnection) => void,
    transport?: Corkable,
    bounds?: FrameSocketBounds,
  ) {
    this.socket = new FrameSocket(
      ws,
      handler,
      deps.now,
      () => {
        this.delivery.close();
        this.unsubscribe();
        onClose(this);
      },
      transport,
      bounds,
    );
    const channel: DeliveryChannel = { request: (path, body, listener, tag) => this.socket.send("PUT", path, body, listener, tag) };
    this.delivery = new DeliverySession(auth, deps.mailbox, channel, {
      window: deps.deliveryWindow,
      pageSize: Math.min(100, deps.deliveryWindow),
      onError: (error) => {
        deps.onError(error);
        this.socket.close(CloseCode.ServiceRestart, "delivery failed; reconnect");
      },
    });
    this.unsubscribe = deps.bus.subscribe(auth, (event) => this.onEvent(event));
  }

  /** Starts delivering the backlog and tells other nodes that this connection displaces theirs. */
  start(): void {
    this.deps.bus.publish(this.auth, { type: "connected", connectionId: this.connectionId });
    this.delivery.wake();
    // On a bus between nodes the subscription takes effect a little later: a wake-up sent in
    // between would be missed, so read once more when the bus confirms it.
    void this.deps.bus.flush().then(() => this.delivery.wake());
  }

  /** Re-reads the mailbox: new envelopes may be there without a wake-up having come. */
  wake(): void {
    this.delivery.wake();
  }

  /** See DeliverySession.offer. */
  offer(entry: { readonly seq: number; readonly data: Uint8Array }): boolean {
    return this.delivery.offer(entry);
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  private onEvent(event: DeviceEvent): void {
    switch (event.type) {
      case "messages":
        this.delivery.wake();
        break;
      case "connected":
        if (event.connectionId !== this.connectionId) this.close(CloseCode.Displaced, "another connection of this device replaced this one");
        break;
      case "removed":
        // A device removing itself over this socket still gets its 204 first.
        this.socket.closeAfterResponses(CloseCode.DeviceRemoved, "the device was removed");
        break;
      case "ephemeral":
        this.socket.request("PUT", deliverPath, event.data).catch(() => undefined);
        break;
    }
  }
}
