// One address floods the server far above its caps: connections it never uses, junk bytes, junk
// HTTP requests, WebSocket upgrades with wrong credentials, junk frames. An honest client on
// another address keeps being served in full meanwhile. The test asserts service, not time.
import { randomBytes } from "node:crypto";
import { deliverPath } from "@parley/protocol";
import { registerAccount, startTestServer, TestSocket, waitFor, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { httpFrom, tcpFrom, testSecurity, upgradeFrom } from "./support/abuse-clients.js";

const FLOODER = "127.0.0.2";

describe("flood from one address", () => {
  let server: TestServer | undefined;
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    await server?.close();
  });

  it("keeps serving an honest client while one address floods far above the caps", { timeout: 60_000 }, async () => {
    const security = testSecurity({
      trustedProxies: "",
      limits: { authFailuresPerIp: { points: 10, seconds: 60 }, httpRequestsPerIp: { points: 100, seconds: 60 } },
      connections: { maxPerIp: 20, maxTotal: 1000 },
    });
    server = await startTestServer({ security });
    const s = server;
    const [alice, bob] = await Promise.all([registerAccount(s), registerAccount(s)]);
    const bobSocket = await TestSocket.connect(s.url, bob.credentials, { autoRespond: 200 });
    const aliceSocket = await TestSocket.connect(s.url, alice.credentials, { autoRespond: 200 });
    cleanups.push(() => bobSocket.close(), () => aliceSocket.close());

    const outcomes = { dropped: 0, refused: 0, answered: 0 };
    let flooding = true;
    const swallow = async (attempt: Promise<unknown>) => {
      try {
        const result = await attempt;
        const status = (result as { status?: number; refused?: { status: number } }).status ?? (result as { refused?: { status: number } }).refused?.status;
        if (status === 429 || status === 403 || status === 401) outcomes.refused++;
        else if ((result as { failed?: unknown }).failed) outcomes.dropped++;
        else outcomes.answered++;
      } catch {
        outcomes.dropped++;
      }
    };
    const flood = async () => {
      const held: (() => void)[] = [];
      for (let round = 0; flooding && round < 50; round++) {
        const attempts: Promise<unknown>[] = [];
        // Connections held open with junk in them, ten times the per-address cap.
        for (let i = 0; i < 20; i++) {
          attempts.push(
            swallow(
              tcpFrom(s.url, FLOODER).then((c) => {
                held.push(() => c.socket.destroy());
                c.socket.write(i % 2 === 0 ? randomBytes(512) : "GET / HTTP/1.1\r\nHost: x\r\nX-Junk: ");
                return c;
              }),
            ),
          );
        }
        // Junk requests, wrong credentials on upgrades, and a socket that sends junk frames.
        for (let i = 0; i < 10; i++) attempts.push(swallow(httpFrom(s.url, "POST", "/v1/verification/sessions", { junk: randomBytes(64).toString("hex") }, { localAddress: FLOODER })));
        for (let i = 0; i < 5; i++) {
          attempts.push(swallow(upgradeFrom(s.url, "/v1/websocket", { localAddress: FLOODER, credentials: { ...alice.credentials, password: `guess-${round}-${i}` } })));
        }
        attempts.push(
          swallow(
            upgradeFrom(s.url, "/v1/provisioning", { localAddress: FLOODER }).then((result) => {
              if ("opened" in result) result.opened.send(randomBytes(2048));
              return result;
            }),
          ),
        );
        await Promise.all(attempts);
        if (held.length > 100) held.splice(0, 50).forEach((destroy) => destroy());
      }
      held.forEach((destroy) => destroy());
    };

    const flooded = flood();
    const sent: string[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const body = `honest ${i}`;
        const response = await aliceSocket.request("PUT", `/v1/messages/${bob.credentials.accountId}`, {
          timestamp: i,
          messages: [{ deviceId: 1, registrationId: bob.keys.registrationId, type: 1, content: Buffer.from(body).toString("base64") }],
        });
        expect(response.status).toBe(200);
        sent.push(body);
        expect((await httpFrom(s.url, "GET", "/v1/accounts/me", undefined, { credentials: alice.credentials })).status).toBe(200);
      }
    } finally {
      flooding = false;
      await flooded;
    }
    await waitFor(() => bobSocket.received.filter((r) => r.path === deliverPath).length === sent.length, { what: "every honest message at Bob" });
    // The flood met the caps and the limits: connections dropped, upgrades and requests refused.
    expect(outcomes.dropped).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(security.audit.named("connection_cap").filter((e) => e.ip === FLOODER && e.cap === "per_ip").length).toBeGreaterThan(0);
    expect(security.audit.named("auth_lockout").map((e) => e.ip)).toEqual([FLOODER]);
    // The flooder's address shows in the audit log, the honest client's never does.
    const audited = new Set(security.audit.events.map((e) => ("ip" in e ? e.ip : "")));
    expect(audited).toContain(FLOODER);
    expect(audited).not.toContain("127.0.0.1");
    // Once the flood is over, the flooder's connections are gone and its slots are free again.
    await waitFor(async () => (await httpFrom(s.url, "GET", "/healthz", undefined, { localAddress: "127.0.0.3" })).status === 200, { what: "a fresh client" });
  });
});
