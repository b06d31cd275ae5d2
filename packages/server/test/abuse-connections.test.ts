// Connection caps (total, per address, per account), idle bounds for HTTP connections and
// WebSockets, and slow readers: a client that stops reading is dropped instead of growing the
// server's memory. Other clients keep being served throughout.
import { CloseCode, encodeFrame, ErrorCode } from "@parley/protocol";
import { linkDevice, registerAccount, startTestServer, TestSocket, waitFor, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { forwardedFor, httpFrom, tcpFrom, testSecurity, upgradeFrom, type SecurityTestOptions } from "./support/abuse-clients.js";

describe("connection caps and bounds", () => {
  let server: TestServer | undefined;
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    await server?.close();
    server = undefined;
  });
  const start = async (options: SecurityTestOptions) => {
    const security = testSecurity(options);
    server = await startTestServer({ security });
    return { server, audit: security.audit };
  };
  const tcp = async (url: string, localAddress?: string) => {
    const connection = await tcpFrom(url, localAddress);
    cleanups.push(() => connection.socket.destroy());
    return connection;
  };
  const open = async (url: string, path: string, from: Parameters<typeof upgradeFrom>[2]) => {
    const result = await upgradeFrom(url, path, from);
    if ("opened" in result) cleanups.push(() => result.opened.terminate());
    return result;
  };

  it("caps the connections of one direct peer and serves the others", async () => {
    const { server: s, audit } = await start({ trustedProxies: "", connections: { maxPerIp: 3 } });
    const held = await Promise.all([1, 2, 3].map(() => tcp(s.url, "127.0.0.2")));
    const fourth = await tcp(s.url, "127.0.0.2");
    await fourth.closed;
    expect((await httpFrom(s.url, "GET", "/healthz", undefined, { localAddress: "127.0.0.3" })).status).toBe(200);
    expect(audit.named("connection_cap")).toEqual([{ event: "connection_cap", ip: "127.0.0.2", cap: "per_ip" }]);
    // A slot frees when a connection closes.
    held[0]!.socket.destroy();
    await waitFor(async () => (await httpFrom(s.url, "GET", "/healthz", undefined, { localAddress: "127.0.0.2" }).catch(() => undefined))?.status === 200, {
      what: "a free slot for 127.0.0.2",
    });
  });

  it("caps the WebSockets of one client behind a trusted proxy, answering 429 with Retry-After", async () => {
    const { server: s } = await start({ connections: { maxPerIp: 2 } });
    const crowd = forwardedFor("203.0.113.1");
    const first = await open(s.url, "/v1/provisioning", crowd);
    expect(first).toHaveProperty("opened");
    expect(await open(s.url, "/v1/provisioning", crowd)).toHaveProperty("opened");
    const refused = await open(s.url, "/v1/provisioning", crowd);
    expect(refused).toMatchObject({ refused: { status: 429, body: { code: ErrorCode.TooManyConnections } } });
    expect(Number((refused as { refused: { headers: Record<string, string> } }).refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(await open(s.url, "/v1/provisioning", forwardedFor("198.51.100.1"))).toHaveProperty("opened");
    if ("opened" in first) first.opened.close();
    await waitFor(async () => "opened" in (await open(s.url, "/v1/provisioning", crowd)), { what: "a free slot for 203.0.113.1" });
  });

  it("caps the WebSockets of one account, counting every device", async () => {
    const { server: s, audit } = await start({ connections: { maxPerAccount: 2 } });
    const alice = await registerAccount(s);
    const laptop = await linkDevice(s, alice);
    const bob = await registerAccount(s);
    const primarySocket = await TestSocket.connect(s.url, alice.credentials);
    const laptopSocket = await TestSocket.connect(s.url, laptop.credentials);
    cleanups.push(() => primarySocket.close(), () => laptopSocket.close());
    const third = await upgradeFrom(s.url, "/v1/websocket", { credentials: alice.credentials });
    expect(third).toMatchObject({ refused: { status: 429, body: { code: ErrorCode.TooManyConnections } } });
    const bobSocket = await TestSocket.connect(s.url, bob.credentials);
    cleanups.push(() => bobSocket.close());
    expect(audit.named("connection_cap")).toEqual([expect.objectContaining({ cap: "per_account", account: alice.credentials.accountId })]);
    await laptopSocket.close();
    await waitFor(async () => "opened" in (await open(s.url, "/v1/websocket", { credentials: alice.credentials })), { what: "a free slot for Alice" });
  });

  it("caps the connections of the whole node", async () => {
    const { server: s, audit } = await start({ connections: { maxTotal: 3 } });
    const held = await Promise.all([1, 2, 3].map(() => tcp(s.url)));
    await (await tcp(s.url)).closed;
    await waitFor(() => audit.named("connection_cap").length > 0, { what: "the audit line" });
    expect(audit.named("connection_cap")[0]).toMatchObject({ cap: "total", ip: "127.0.0.1" });
    held[0]!.socket.destroy();
    await waitFor(async () => (await httpFrom(s.url, "GET", "/healthz").catch(() => undefined))?.status === 200, { what: "room on the node" });
  });

  it("closes an HTTP connection on which nothing moves", async () => {
    const { server: s } = await start({ connections: { idleTimeoutMs: 150 } });
    const slowloris = await tcp(s.url);
    slowloris.socket.write("GET /healthz HTTP/1.1\r\nHost: parley\r\n");
    await slowloris.closed;
    expect((await httpFrom(s.url, "GET", "/healthz")).status).toBe(200);
  });

  it("closes a connection that trickles its request head slower than the headers timeout allows", async () => {
    const { server: s } = await start({ connections: { headersTimeoutMs: 300, requestTimeoutMs: 300, idleTimeoutMs: 60_000 } });
    const slowloris = await tcp(s.url);
    slowloris.socket.write("GET /healthz HTTP/1.1\r\nHost: parley\r\n");
    // One header byte every 50 ms keeps the socket busy, so only the headers timeout can end it.
    const trickle = setInterval(() => slowloris.socket.writable && slowloris.socket.write("X"), 50);
    try {
      await slowloris.closed;
    } finally {
      clearInterval(trickle);
    }
    expect((await httpFrom(s.url, "GET", "/healthz")).status).toBe(200);
  });

  it("closes a WebSocket from which nothing arrives, and keeps one that sends requests", async () => {
    const { server: s } = await start({ connections: { webSocketIdleMs: 300 } });
    const [alice, bob] = await Promise.all([registerAccount(s), registerAccount(s)]);
    const silent = await TestSocket.connect(s.url, alice.credentials, { autoRespond: 200 });
    const chatty = await TestSocket.connect(s.url, bob.credentials, { autoRespond: 200 });
    cleanups.push(() => silent.close(), () => chatty.close());
    let closed: { code: number } | undefined;
    void silent.closed.then((c) => (closed = c));
    const deadline = Date.now() + 10_000;
    while (closed === undefined && Date.now() < deadline) expect((await chatty.request("GET", "/healthz")).status).toBe(200);
    expect(closed?.code).toBe(CloseCode.Idle);
    expect(chatty.ws.readyState).toBe(chatty.ws.OPEN);
  });

  it("drops a WebSocket whose client stops reading, and keeps serving the others", async () => {
    const { server: s, audit } = await start({ connections: { maxSendBufferBytes: 64 * 1024, maxPendingRequests: 1000 } });
    const [alice, bob] = await Promise.all([registerAccount(s), registerAccount(s)]);
    const reader = await TestSocket.connect(s.url, bob.credentials, { autoRespond: 200 });
    const slow = await TestSocket.connect(s.url, alice.credentials, { autoRespond: 200 });
    cleanups.push(() => slow.ws.terminate(), () => reader.close());
    await waitFor(() => s.server.connectionCount === 2, { what: "both sockets" });
    // Stop reading; ask for prekey bundles (some KiB each) until the server gives up on us.
    slow.ws.pause();
    const ask = encodeFrame({ kind: "request", id: 1, verb: "GET", path: `/v1/keys/${bob.credentials.accountId}/*`, headers: {}, body: new Uint8Array(0) });
    let sent = 0;
    while (s.server.connectionCount === 2 && sent < 20_000) {
      for (let i = 0; i < 200; i++) slow.sendRaw(ask);
      sent += 200;
      // Let the server answer what arrived (and find it cannot be delivered).
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => s.server.connectionCount === 1, { what: "the slow reader's socket to be dropped" });
    expect(audit.named("slow_reader")).toEqual([expect.objectContaining({ account: alice.credentials.accountId, ip: "127.0.0.1" })]);
    expect(audit.named("slow_reader")[0]!.bufferedBytes).toBeGreaterThan(64 * 1024);
    expect((await reader.request("GET", "/healthz")).status).toBe(200);
  });

  it("answers every pipelined request while it handles one socket's requests one at a time", async () => {
    const { server: s } = await start({ connections: { maxPendingRequests: 1 } });
    const alice = await registerAccount(s);
    const socket = await TestSocket.connect(s.url, alice.credentials, { autoRespond: 200 });
    cleanups.push(() => socket.close());
    const statuses = await Promise.all(Array.from({ length: 50 }, () => socket.request("GET", "/v1/accounts/me").then((r) => r.status)));
    expect(statuses).toEqual(Array(50).fill(200));
  });
});
