// Clients for the abuse-defence tests: HTTP requests and WebSocket upgrades from a chosen local
// address (127.0.0.0/8 is all loopback on Linux, so 127.0.0.2 is "another client"), with chosen
// headers (X-Forwarded-For through a trusted proxy), that report refusals instead of throwing.
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import {
  basicAuthorization,
  type Credentials,
} from "@parley/protocol";
import { makeDeviceKeys, uniqueUsername, type TestServer } from "@parley/testkit";
import {
  defaultSecuritySettings,
  MemoryAuditLog,
  rateLimitNames,
  type ConnectionSettings,
  type IpRuleSettings,
  type RateLimitName,
  type RateLimitWindow,
  type SecurityOptions,
} from "@parley/server";
import WebSocket from "ws";

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: { code?: string; details?: Record<string, unknown> } | undefined;
}

export interface From {
  readonly localAddress?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly credentials?: Credentials;
}

/** One HTTP request on a fresh connection; rejects only when the connection fails (refused, reset). */
export function httpFrom(baseUrl: string, method: string, path: string, body?: unknown, from: From = {}): Promise<Reply> {
  const url = new URL(path, baseUrl);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { ...from.headers };
  if (payload) headers["content-type"] = "application/json";
  if (from.credentials) headers["authorization"] = basicAuthorization(from.credentials.accountId, from.credentials.deviceId, from.credentials.password);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: url.port, path: url.pathname, method, headers, agent: false, ...(from.localAddress ? { localAddress: from.localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Reply["body"]) : undefined });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

export type Upgrade = { readonly opened: WebSocket } | { readonly refused: Reply } | { readonly failed: Error };

/** A WebSocket upgrade: the open socket, the refusal (status, headers, JSON body), or the failure. */
export function upgradeFrom(baseUrl: string, path: string, from: From = {}): Promise<Upgrade> {
  const headers: Record<string, string> = { ...from.headers };
  if (from.credentials) headers["authorization"] = basicAuthorization(from.credentials.accountId, from.credentials.deviceId, from.credentials.password);
  const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + path, { headers, ...(from.localAddress ? { localAddress: from.localAddress } : {}) });
  return new Promise((resolve) => {
    ws.once("open", () => resolve({ opened: ws }));
    ws.once("unexpected-response", (_request, response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ refused: { status: response.statusCode ?? 0, headers: response.headers, body: text ? (JSON.parse(text) as Reply["body"]) : undefined } });
        ws.terminate();
      });
    });
    ws.once("error", (error) => resolve({ failed: error }));
  });
}

/** Opens a raw TCP connection; resolves once connected, with a promise of its close. */
export function tcpFrom(baseUrl: string, localAddress?: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url.port), ...(localAddress ? { localAddress } : {}) });
    const closed = new Promise<void>((done) => socket.once("close", () => done()));
    socket.on("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

/** Rate limits that never bind, except those given. */
export function onlyLimits(limits: Partial<Record<RateLimitName, RateLimitWindow>>, authLockoutSeconds = 60): SecurityOptions["settings"]["rateLimits"] {
  const all = Object.fromEntries(rateLimitNames.map((name) => [name, limits[name] ?? { points: 0, seconds: 60 }])) as Record<RateLimitName, RateLimitWindow>;
  return { limits: all, authLockoutSeconds };
}

export interface SecurityTestOptions {
  readonly limits?: Partial<Record<RateLimitName, RateLimitWindow>>;
  readonly authLockoutSeconds?: number;
  readonly ipRules?: Partial<IpRuleSettings>;
  /** Default: 127.0.0.1 only, so tests can speak for other clients with X-Forwarded-For. */
  readonly trustedProxies?: string;
  readonly connections?: Partial<ConnectionSettings>;
}

/** Security options for a test server, with an in-memory audit log to inspect. */
export function testSecurity(options: SecurityTestOptions = {}): SecurityOptions & { readonly audit: MemoryAuditLog } {
  const defaults = defaultSecuritySettings;
  return {
    audit: new MemoryAuditLog(),
    settings: {
      rateLimits: onlyLimits(options.limits ?? {}, options.authLockoutSeconds),
      ipRules: { ...defaults.ipRules, ...options.ipRules },
      trustedProxies: options.trustedProxies ?? "127.0.0.1",
      connections: { ...defaults.connections, ...options.connections },
    },
  };
}

/** Headers that make the trusted proxy at 127.0.0.1 speak for `ip`. */
export function forwardedFor(ip: string): { readonly headers: Record<string, string> } {
  return { headers: { "x-forwarded-for": ip } };
}

/**
 * Registers an account as a client at `from` would: verification session, code, registration.
 * Resolves with the credentials, or with the first refusal.
 */
export async function registerFrom(server: TestServer, from: From, username = uniqueUsername()): Promise<{ credentials: Credentials } | { refused: Reply }> {
  const session = await httpFrom(server.url, "POST", "/v1/verification/sessions", { identifier: { kind: "username", value: username } }, from);
  if (session.status !== 201) return { refused: session };
  const sessionId = (session.body as unknown as { sessionId: string }).sessionId;
  const verified = await httpFrom(server.url, "PUT", `/v1/verification/sessions/${sessionId}/code`, { code: server.codes.codeFor(username) }, from);
  if (verified.status !== 200) return { refused: verified };
  const keys = makeDeviceKeys();
  const registered = await httpFrom(
    server.url,
    "POST",
    "/v1/registration",
    { sessionId, identityKey: keys.identityKey, registrationId: keys.registrationId, signedPreKey: keys.signedPreKey, pqLastResortPreKey: keys.pqLastResortPreKey },
    from,
  );
  if (registered.status !== 200) return { refused: registered };
  return { credentials: registered.body as unknown as Credentials };
}
