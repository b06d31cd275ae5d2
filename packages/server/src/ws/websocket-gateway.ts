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
import type { ClientAddress } from "../security/client-address.js";
import { claimedAccount } from "../security/guarded-dispatcher.js";
import type { Refusal, Security } from "../security/security.js";
import { DeviceConnection } from "./device-connection.js";
import type { FrameSocketBounds } from "./frame-socket.js";
import type { FrameRouter } from "./frame-router.js";
import { openProvisioningSocket } from "./provisioning-socket.js";
import { deviceRequestHandler } from "./request-handler.js";

const subprotocol = "parley.v1";
/** How often the last-seen time of a device that stays connected is recorded again (ms). */
const lastSeenRefreshMs = 3600_000;

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
  /** IP rules, connection caps, authentication lockout, socket bounds and the audit log; none without. */
  readonly security?: Security;
}

export class WebSocketGateway {
  private readonly wss: WebSocketServer;
  /** By account, then device id: the hot-path lookup builds no key string. */
  private readonly connections = new Map<string, Map<number, DeviceConnection>>();
  private readonly sockets = new Set<WebSocket>();
  private readonly alive = new WeakSet<WebSocket>();
  /** When each connection's device was last recorded as seen. */
  private readonly touchedAt = new WeakMap<DeviceConnection, number>();
  /** The client address of each socket, for closing those the IP rules refuse after a reload. */
  private readonly clients = new WeakMap<WebSocket, ClientAddress>();
  /** Per connection: frames received at the last idle check, and since when that count stands. */
  private readonly idleSeen = new WeakMap<DeviceConnection, { frames: number; since: number }>();
  private readonly timer: NodeJS.Timeout;
  private readonly idleTimer: NodeJS.Timeout | undefined;
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
    const idleMs = options.security?.connections.webSocketIdleMs ?? 0;
    if (idleMs > 0) {
      this.idleTimer = setInterval(() => this.closeIdle(idleMs), Math.max(10, idleMs / 4));
      this.idleTimer.unref();
    }
    options.security?.onRulesReload(() => this.closeRefused());
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
    if (this.idleTimer) clearInterval(this.idleTimer);
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
    if (path !== provisioningSocketPath && path !== websocketPath) return reject(socket, 404, "Not Found");
    // The address's slot (and later the account's) is held until the socket closes, however the
    // upgrade ends.
    const security = this.options.security;
    const client = security?.clientOf(request);
    if (security && client) {
      const refused = security.admitSocket(client);
      if (refused) return refuse(socket, refused);
      socket.once("close", () => security.releaseAddress(client));
    }
    if (path === provisioningSocketPath) {
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.track(ws, client);
        openProvisioningSocket(ws, this.options, this.boundsFor(undefined, client));
      });
      return;
    }
    let auth: DeviceAuth;
    try {
      const lockedOut = security && client ? await security.lockedOut(client) : undefined;
      if (lockedOut) return refuse(socket, lockedOut);
      auth = await this.options.authenticator.authenticate(credentialsOf(request));
    } catch (error) {
      if (error instanceof ApiError) {
        if (security && client) await security.authenticationFailed(client, "websocket", claimedAccount(request.headers.authorization));
        return reject(socket, 401, "Unauthorized");
      }
      this.options.logger.error({ err: error }, "authentication failed on upgrade");
      return reject(socket, 500, "Internal Server Error");
    }
    if (!this.accepting) return reject(socket, 503, "Service Unavailable");
    // Gone while its credentials were checked: its close has passed, so it must take no slot.
    if (socket.destroyed) return;
    if (security && client) {
      const refused = security.admitAccount(client, auth.accountId);
      if (refused) return refuse(socket, refused);
      socket.once("close", () => security.releaseAccount(auth.accountId));
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.openDevice(ws, auth, socket, client));
  }

  /** `socket` is the upgraded connection `ws` writes to; `client` its address, if known. */
  private openDevice(ws: WebSocket, auth: DeviceAuth, socket: Duplex, client: ClientAddress | undefined): void {
    this.track(ws, client);
    const { accountId, deviceId } = auth;
    this.connections.get(accountId)?.get(deviceId)?.close(CloseCode.Displaced, "another connection of this device replaced this one");
    const { dispatcher, router, bus, mailbox, now, logger, deliveryWindow } = this.options;
    const connection = new DeviceConnection(
      ws,
      auth,
      randomToken(this.options.random, 12),
      deviceRequestHandler(router, dispatcher, auth, client),
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
      this.boundsFor(auth, client),
    );
    let devices = this.connections.get(accountId);
    if (devices === undefined) {
      devices = new Map();
      this.connections.set(accountId, devices);
    }
    devices.set(deviceId, connection);
    connection.start();
    this.touch(auth);
    this.touchedAt.set(connection, this.options.now());
  }

  private *connectionList(): Iterable<DeviceConnection> {
    for (const devices of this.connections.values()) yield* devices.values();
  }

  /**
   * Last-seen is recorded when a device connects and when it disconnects, never per message, and
   * hourly while it stays connected (the sweep): a device online for weeks on one socket is seen,
   * which the registration lock's lapse (no device seen for days) depends on.
   */
  private touch(auth: DeviceAuth): void {
    this.options.accounts.touchDevice(auth, this.options.now()).catch((error: unknown) => {
      this.options.logger.warn({ err: error }, "could not record last-seen time");
    });
  }

  /** The bounds of a socket of `auth` (none for a provisioning socket) from `client`. */
  private boundsFor(auth: DeviceAuth | undefined, client: ClientAddress | undefined): FrameSocketBounds | undefined {
    const security = this.options.security;
    if (!security) return undefined;
    const { maxSendBufferBytes, maxPendingRequests } = security.connections;
    const ip = client?.ip ?? "unknown";
    return {
      maxBufferedBytes: maxSendBufferBytes,
      maxPendingRequests,
      onOverflow: (bufferedBytes) =>
        security.audit.record({ event: "slow_reader", ip, ...(auth ? { account: auth.accountId } : {}), bufferedBytes }),
    };
  }

  /** Closes device sockets from which no frame arrived for `idleMs`. */
  private closeIdle(idleMs: number): void {
    const now = this.options.now();
    for (const connection of this.connectionList()) {
      const frames = connection.socket.framesReceived;
      const seen = this.idleSeen.get(connection);
      if (seen === undefined || seen.frames !== frames) this.idleSeen.set(connection, { frames, since: now });
      else if (now - seen.since >= idleMs) connection.close(CloseCode.Idle, "nothing received; send a request at least every so often");
    }
  }

  /** After the IP rules changed: closes the sockets of addresses they now refuse. */
  private closeRefused(): void {
    const security = this.options.security;
    if (!security) return;
    for (const ws of this.sockets) {
      const client = this.clients.get(ws);
      if (client === undefined || security.stillAdmits(client)) continue;
      security.audit.record({ event: "address_denied", ip: client.ip, at: "reload" });
      ws.close(CloseCode.PolicyViolation, "address refused");
    }
  }

  private track(ws: WebSocket, client?: ClientAddress): void {
    if (client) this.clients.set(ws, client);
    this.sockets.add(ws);
    this.alive.add(ws);
    ws.on("pong", () => this.alive.add(ws));
    ws.on("close", () => this.sockets.delete(ws));
  }

  /** Drops sockets that missed a pong or left a delivery unanswered too long; pings the rest. */
  private sweep(): void {
    const now = this.options.now();
    for (const connection of this.connectionList()) {
      if (now - (this.touchedAt.get(connection) ?? now) >= lastSeenRefreshMs) {
        this.touchedAt.set(connection, now);
        this.touch(connection.auth);
      }
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

/** A coded refusal (403 ADDRESS_DENIED, 429 with Retry-After) with its JSON error body. */
function refuse(socket: Duplex, refusal: Refusal): void {
  const body = JSON.stringify(refusal.body);
  const headers = Object.entries(refusal.headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const text = refusal.status === 403 ? "Forbidden" : "Too Many Requests";
  socket.end(
    `HTTP/1.1 ${refusal.status} ${text}\r\nConnection: close\r\n${headers}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
