// Defences at the TCP level, before a byte is parsed: the total connection cap, a per-address cap
// and the IP rules for direct peers (a trusted proxy is exempt: its clients are told apart per
// request, by X-Forwarded-For), and the HTTP timeouts that bound slow clients (slowloris). A
// refused connection is closed without an answer.
import type { Server as HttpServer } from "node:http";
import type { Server, Socket } from "node:net";
import type { AuditLog } from "./audit-log.js";
import { parseAddress } from "./cidr-list.js";
import { clientAddressOf, type ClientAddressResolver } from "./client-address.js";
import { ConnectionCounter } from "./connection-counter.js";
import type { IpRules } from "./ip-rules.js";
import type { ConnectionSettings } from "./security-settings.js";

export interface ConnectionGuardOptions {
  readonly settings: ConnectionSettings;
  readonly resolver: ClientAddressResolver;
  /** The rules in force now (they change on reload). */
  readonly rules: () => IpRules;
  readonly audit: AuditLog;
}

export function guardConnections(server: Server, options: ConnectionGuardOptions): void {
  const { settings, resolver, audit } = options;
  if (settings.maxTotal > 0) server.maxConnections = settings.maxTotal;
  server.on("drop", (data?: { remoteAddress?: string }) => {
    audit.record({ event: "connection_cap", ip: clientIp(data?.remoteAddress), cap: "total" });
  });
  const http = server as Partial<HttpServer>;
  if ("headersTimeout" in server) {
    // Node checks the header and request timeouts periodically (connectionsCheckingInterval, set
    // to 2 s in ../http/http-app.ts), so they bound a slow client to within that much more.
    http.headersTimeout = settings.headersTimeoutMs;
    http.requestTimeout = settings.requestTimeoutMs;
    http.keepAliveTimeout = settings.keepAliveTimeoutMs;
    // Per-socket inactivity; ws turns it off on sockets it upgrades (they have their own bound).
    http.setTimeout?.(settings.idleTimeoutMs);
  }
  const perIp = new ConnectionCounter(settings.maxPerIp);
  server.on("connection", (socket: Socket) => {
    const peer = socket.remoteAddress;
    if (resolver.isTrustedProxy(peer)) return;
    const address = peer === undefined ? undefined : parseAddress(peer);
    if (address === undefined) return;
    const client = clientAddressOf(address);
    if (!options.rules().allows(address)) {
      audit.record({ event: "address_denied", ip: client.ip, at: "connection" });
      socket.destroy();
      return;
    }
    if (!perIp.tryAcquire(client.key)) {
      audit.record({ event: "connection_cap", ip: client.ip, cap: "per_ip" });
      socket.destroy();
      return;
    }
    socket.once("close", () => perIp.release(client.key));
  });
}

function clientIp(peer: string | undefined): string {
  const address = peer === undefined ? undefined : parseAddress(peer);
  return address === undefined ? "unknown" : address.toString();
}
