// Accepts WebSocket upgrades on the HTTP server: authenticated device sockets at /v1/websocket and
// unauthenticated provisioning sockets at /v1/provisioning. Credentials come in the Authorization
// header, or, for browsers (which cannot set headers), as a "parley-auth.<base64url login:password>"
// entry of Sec-WebSocket-Protocol next to "parley.v1".
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { CloseCode, provisioningSocketPath, websocketPath } from "@parley/protocol";
import type { Logger } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import type { Dispatcher } from "../api/dispatch.js";
import { ApiError } from "../domain/api-error.js";
import type { Authenticator, DeviceAuth } from "../domain/authenticator.js";
import { parseBasicAuthorization, parseLogin } from "../domain/credentials.js";
import { randomToken } from "../domain/ids.js";
import type { ProvisioningService } from "../domain/provisioning-service.js";
import type { AccountStore } from "../ports/account-store.js";
import type { Bus } from "../ports/bus.js";
import type { MailboxStore } from "../ports/mailbox-store.js";
import type { Random } from "../ports/random.js";
import { DeviceConnection } from "./device-connection.js";
import type { FrameRouter } from "./frame-router.js";
import { openProvisioningSocket } from "./provisioning-socket.js";
import { deviceRequestHandler } from "./request-handler.js";

const subprotocol = "parley.v1";

export interface GatewayOptions {
  readonly authenticator: Authenticator;
  readonly dispatcher: Dispatcher;
  readonly router: FrameRouter;
  readonly provisioning: ProvisioningService;
  readonly bus: Bus;
  readonly mailbox: MailboxStore;
  readonly accounts: AccountStore;
  readonly random: Random;
  readonly now: () => number;
  readonly logger: Logger;
  /** Largest WebSocket message accepted; larger ones close the socket with 1009. */
  readonly maxFrameBytes: number;
  /** Unanswered deliveries per connection. */
  readonly deliveryWindow: number;
  /** A device that leaves a delivery unanswered this long is disconnected (ms). */
  readonly requestTimeoutMs: number;
  /** Ping interval; a socket that misses a pong by the next ping is dropped (ms). */
  readonly pingIntervalMs: number;
  /** How long a provisioning socket may wait for its message (ms). */
  readonly provisioningTimeoutMs: number;
}

export class WebSocketGateway {
  private readonly wss: WebSocketServer;
  /** By account, then device id: the hot-path lookup builds no key string. */
  private readonly connections = new Map<string, Map<number, DeviceConnection>>();
  private readonly sockets = new Set<WebSocket>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;
  private accepting = true;

  constructor(private readonly options: GatewayOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
      // Only ever echo "parley.v1": the other offered entry may carry credentials.
      handleProtocols: (protocols) => (protocols.has(subprotocol) ? subprotocol : false),
    });
    this.timer = setInterval(() => this.sweep(), Math.min(options.pingIntervalMs, options.requestTimeoutMs / 2));
    this.timer.unref();
  }

  attach(server: Server): void {
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(request, socket, head);
    });
  }

  /** Single-node fast path: see DeliverySession.offer. */
  offer(device: DeviceAuth | { readonly accountId: string; readonly deviceId: number }, entry: { readonly seq: number; readonly data: Uint8Array }): boolean {
    return this.connections.get(device.accountId)?.get(device.deviceId)?.offer(entry) ?? false;
  }

  /** Every connection re-reads its device's mailbox (after wake-ups may have been lost). */
  wakeAll(): void {
    for (const connection of this.connectionList()) connection.wake();
  }

  /**
   * Closes the connections of devices that no longer exist as they were authenticated (removed,
   * or re-created by a re-registration): for when the bus may have lost a "removed" event.
   */
  async recheckDevices(): Promise<void> {
    for (const connection of [...this.connectionList()]) {
      const { auth } = connection;
      const record = await this.options.accounts.findDevice(auth);
      if (record === undefined || (auth.createdAt !== undefined && record.createdAt !== auth.createdAt)) {
        connection.close(CloseCode.DeviceRemoved, "the device was removed");
      }
    }
  }

  /** Connected device sockets on this node. */
  get connectionCount(): number {
    let count = 0;
    for (const devices of this.connections.values()) count += devices.size;
    return count;
  }

  /** Stops accepting sockets and closes every open one with 1012 (reconnect elsewhere). */
  async close(): Promise<void> {
    this.accepting = false;
    clearInterval(this.timer);
    const closing = [...this.sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once("close", () => resolve());
          ws.close(CloseCode.ServiceRestart, "server shutting down; reconnect");
          setTimeout(() => ws.terminate(), 2000).unref();
        }),
    );
    await Promise.all(closing);
    this.wss.close();
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => undefined);
    const path = (request.url ?? "").split("?")[0];
    if (!this.accepting) return reject(socket, 503, "Service Unavailable");
    if (path === provisioningSocketPath) {
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.track(ws);
        openProvisioningSocket(ws, this.options);
      });
      return;
    }
    if (path !== websocketPath) return reject(socket, 404, "Not Found");
    let auth: DeviceAuth;
    try {
      auth = await this.options.authenticator.authenticate(credentialsOf(request));
    } catch (error) {
      if (error instanceof ApiError) return reject(socket, 401, "Unauthorized");
      this.options.logger.error({ err: error }, "authentication failed on upgrade");
      return reject(socket, 500, "Internal Server Error");
    }
    if (!this.accepting) return reject(socket, 503, "Service Unavailable");
    this.wss.handleUpgrade(request, socket, head, (ws) => this.openDevice(ws, auth, socket));
  }

  /** `socket` is the upgraded connection `ws` writes to. */
  private openDevice(ws: WebSocket, auth: DeviceAuth, socket: Duplex): void {
    this.track(ws);
    const { accountId, deviceId } = auth;
    this.connections.get(accountId)?.get(deviceId)?.close(CloseCode.Displaced, "another connection of this device replaced this one");
    const { dispatcher, router, bus, mailbox, now, logger, deliveryWindow } = this.options;
    const connection = new DeviceConnection(
      ws,
      auth,
      randomToken(this.options.random, 12),
      deviceRequestHandler(router, dispatcher, auth),
      { bus, mailbox, now, deliveryWindow, onError: (error) => logger.error({ err: error }, "delivery failed") },
      (closed) => {
        const devices = this.connections.get(accountId);
        if (devices?.get(deviceId) === closed) {
          devices.delete(deviceId);
          if (devices.size === 0) this.connections.delete(accountId);
        }
        this.touch(auth);
      },
      socket,
    );
    let devices = this.connections.get(accountId);
    if (devices === undefined) {
      devices = new Map();
      this.connections.set(accountId, devices);
    }
    devices.set(deviceId, connection);
    connection.start();
    this.touch(auth);
  }

  private *connectionList(): Iterable<DeviceConnection> {
    for (const devices of this.connections.values()) yield* devices.values();
  }

  /** Last-seen is recorded when a device connects and when it disconnects, never per message. */
  private touch(auth: DeviceAuth): void {
    this.options.accounts.touchDevice(auth, this.options.now()).catch((error: unknown) => {
      this.options.logger.warn({ err: error }, "could not record last-seen time");
    });
  }

  private track(ws: WebSocket): void {
    this.sockets.add(ws);
    this.alive.add(ws);
    ws.on("pong", () => this.alive.add(ws));
    ws.on("close", () => this.sockets.delete(ws));
  }

  /** Drops sockets that missed a pong or left a delivery unanswered too long; pings the rest. */
  private sweep(): void {
    const now = this.options.now();
    for (const connection of this.connectionList()) {
      const oldest = connection.socket.oldestPendingSentAt();
      if (oldest !== undefined && now - oldest > this.options.requestTimeoutMs) {
        connection.close(CloseCode.Unresponsive, "requests left unanswered");
      }
    }
    for (const ws of this.sockets) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}

function credentialsOf(request: IncomingMessage) {
  const header = request.headers.authorization;
  if (header) return parseBasicAuthorization(header);
  const protocols = (request.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const token = protocols.find((p) => p.startsWith("parley-auth."));
  return token ? parseLogin(Buffer.from(token.slice("parley-auth.".length), "base64url").toString("utf8")) : undefined;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
