// A device's last-seen time is recorded on connect, on disconnect, and hourly while it stays
// connected, so a device online for weeks on one socket keeps its account's registration lock
// from lapsing (the lock lapses only when no device was seen for seven days).
import { FakeClock, registerAccount, startTestServer, TestSocket, uniqueUsername, waitFor, type TestServer } from "@parley/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { register, verifiedSession } from "./support/auth-fixtures.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe("last seen", () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.ws.terminate();
    await server?.close();
  });

  const start = async (clock: FakeClock) => {
    // A short request timeout makes the gateway's sweep (which refreshes last-seen) run often.
    server = await startTestServer({ clock, requestTimeoutMs: 200, settings: { auth: { pinHashCost: 1024 } } });
  };

  const lastSeen = async (credentials: { accountId: string; deviceId: number; password: string }) => {
    const listed = await server.api.as(credentials).get<{ devices: { id: number; lastSeenAt: number }[] }>("/v1/devices");
    return listed.body.devices.find((d) => d.id === credentials.deviceId)!.lastSeenAt;
  };

  it("records a device that stays connected again every hour", async () => {
    const clock = new FakeClock(1_800_000_000_000);
    await start(clock);
    const alice = await registerAccount(server);
    sockets.push(await TestSocket.connect(server.url, alice.credentials, { autoRespond: 200 }));
    await waitFor(async () => (await lastSeen(alice.credentials)) === clock.now(), { what: "the connect to be recorded" });
    clock.advance(HOUR);
    const later = clock.now();
    await waitFor(async () => (await lastSeen(alice.credentials)) === later, { what: "the hourly refresh" });
  });

  it("keeps the registration lock of an account whose device stays connected for more than seven days", async () => {
    const clock = new FakeClock(1_800_000_000_000);
    await start(clock);
    const username = uniqueUsername("online");
    const alice = await registerAccount(server, { kind: "username", value: username });
    expect((await server.api.as(alice.credentials).put("/v1/auth/pin", { pin: "24681357" })).status).toBe(204);
    sockets.push(await TestSocket.connect(server.url, alice.credentials, { autoRespond: 200 }));
    // Eight days on one socket, in steps the sweep sees.
    for (let day = 1; day <= 8; day++) {
      clock.advance(DAY);
      const now = clock.now();
      await waitFor(async () => (await lastSeen(alice.credentials)) === now, { what: `last-seen on day ${day}` });
    }
    const attempt = await register(server, await verifiedSession(server, username));
    expect(attempt.status).toBe(423);
    expect(attempt.body.code).toBe("REGISTRATION_LOCKED");
  });
});
