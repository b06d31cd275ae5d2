import { decodeEnvelope, queueEmptyPath } from "@parley/protocol";
import { openSqliteStores } from "@parley/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerAccount, startTestServer, tempDir, TestSocket, type TempDir } from "@parley/testkit";

describe("durability on a SQLite file", () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.cleanup());

  it("delivers every unacknowledged envelope after a restart on the same file", async () => {
    const path = `${dir.path}/parley.db`;
    const first = await startTestServer({ stores: await openSqliteStores({ path }) });
    const alice = await registerAccount(first);
    const bob = await registerAccount(first);
    const sends = Array.from({ length: 40 }, (_, i) =>
      first.api.as(alice.credentials).put(`/v1/messages/${bob.credentials.accountId}`, {
        timestamp: i,
        messages: [{ deviceId: 1, registrationId: bob.keys.registrationId, type: 1, content: Buffer.from(`m${i}`).toString("base64") }],
      }),
    );
    expect((await Promise.all(sends)).every((r) => r.status === 200)).toBe(true);
    // Bob reads five and acknowledges three of them before the server stops.
    const early = await TestSocket.connect(first.url, bob.credentials);
    for (let i = 0; i < 5; i++) {
      const delivery = await early.nextRequest();
      if (i < 3) early.respond(delivery, 200);
    }
    const bobPhone = { accountId: bob.credentials.accountId, deviceId: 1 };
    await expect.poll(() => first.stores.mailbox.count(bobPhone)).toBe(37);
    await early.close();
    await first.close();

    const second = await startTestServer({ stores: await openSqliteStores({ path }) });
    try {
      const socket = await TestSocket.connect(second.url, bob.credentials, { autoRespond: 200 });
      const received: string[] = [];
      for (;;) {
        const request = await socket.nextRequest();
        if (request.path === queueEmptyPath) break;
        received.push(Buffer.from(decodeEnvelope(request.body).content).toString());
      }
      await socket.close();
      // Sends were concurrent, so only the set is fixed; the three acknowledged ones are gone.
      expect(received).toHaveLength(37);
      const all = new Set(Array.from({ length: 40 }, (_, i) => `m${i}`));
      for (const body of received) expect(all.has(body)).toBe(true);
      expect(new Set(received).size).toBe(37);
    } finally {
      await second.close();
    }
  });
});

describe("retention", () => {
  it("purges envelopes older than the retention period, and only those", async () => {
    let now = 1_800_000_000_000;
    const server = await startTestServer({ clock: { now: () => now }, settings: { retention: { envelopeTtlMs: 30 * 24 * 3600_000 } } });
    try {
      const alice = await registerAccount(server);
      const bob = await registerAccount(server);
      const send = () =>
        server.api.as(alice.credentials).put(`/v1/messages/${bob.credentials.accountId}`, {
          timestamp: 1,
          messages: [{ deviceId: 1, registrationId: bob.keys.registrationId, type: 1, content: "AQ==" }],
        });
      await send();
      now += 29 * 24 * 3600_000;
      await send();
      now += 1 * 24 * 3600_000 + 1;
      const result = await server.server.purgeExpired();
      expect(result.envelopes).toBe(1);
      expect(await server.stores.mailbox.count({ accountId: bob.credentials.accountId, deviceId: 1 })).toBe(1);
    } finally {
      await server.close();
    }
  });
});
