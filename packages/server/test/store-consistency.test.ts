// The store consistency check of @parley/testkit: silent on a store the server wrote, and naming
// each broken rule on one damaged behind the server's back.
import { join } from "node:path";
import { encodeEnvelope } from "@parley/protocol";
import { checkStoreConsistency, makePreKeys, registerAccount, startTestServer, tempDir, type TempDir } from "@parley/testkit";
import Sqlite from "better-sqlite3-multiple-ciphers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores } from "../src/adapters/sql/index.js";

describe("store consistency check", () => {
  let dir: TempDir;
  let path: string;
  let alice: string;
  let bob: string;

  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir.path, "parley.db");
    const server = await startTestServer({ stores: await openSqliteStores({ path }) });
    try {
      const a = await registerAccount(server);
      const b = await registerAccount(server);
      alice = a.credentials.accountId;
      bob = b.credentials.accountId;
      await server.api.as(a.credentials).put("/v1/keys", { preKeys: makePreKeys(1, 5) });
      const sent = await server.api.as(a.credentials).put(`/v1/messages/${bob}`, {
        timestamp: 1,
        messages: [{ deviceId: 1, registrationId: b.keys.registrationId, type: 1, content: "aGVsbG8=" }],
      });
      expect(sent.status).toBe(200);
    } finally {
      await server.close();
    }
  });
  afterEach(() => dir.cleanup());

  it("finds nothing wrong with a store the server wrote", () => {
    const report = checkStoreConsistency(path);
    expect(report.problems).toEqual([]);
    expect(report.counts).toMatchObject({ accounts: 2, devices: 2, mailbox_entries: 1, one_time_prekeys: 5 });
  });

  it("names an undecodable envelope, one for a missing device, an account without primary and too many keys", () => {
    const db = new Sqlite(path);
    try {
      db.exec("PRAGMA foreign_keys = OFF");
      db.prepare("UPDATE mailbox_entries SET data = x'ff00'").run();
      const id = new Uint8Array(16).fill(9);
      const data = encodeEnvelope({
        id,
        type: 1,
        sourceAccount: alice,
        sourceDevice: 1,
        destinationDevice: 9,
        clientTimestamp: 1,
        serverTimestamp: 2,
        content: Uint8Array.of(1),
        ephemeral: false,
        urgent: false,
      });
      db.prepare("INSERT INTO mailbox_entries (id, account_id, device_id, data, received_at) VALUES (?, ?, 9, ?, 2)").run(id, bob, data);
      db.prepare("DELETE FROM devices WHERE account_id = ? AND id = 1").run(alice);
      const insert = db.prepare("INSERT INTO one_time_prekeys (account_id, device_id, key_id, public_key) VALUES (?, 1, ?, ?)");
      for (let keyId = 100; keyId < 110; keyId++) insert.run(bob, keyId, Buffer.concat([Buffer.of(5), Buffer.alloc(32, keyId)]));
    } finally {
      db.close();
    }
    const { problems } = checkStoreConsistency(path, { limits: { maxStoredKeys: 8 } });
    const has = (pattern: RegExp) => expect(problems.some((p) => pattern.test(p)), `${pattern} in ${JSON.stringify(problems)}`).toBe(true);
    has(/does not decode as an envelope/);
    has(new RegExp(`addressed to device ${bob}\\.9, which does not exist`));
    has(new RegExp(`account ${alice}: no primary device`));
    has(/references a missing devices row/);
    has(new RegExp(`one_time_prekeys of ${bob}\\.1: 10 keys, above the limit of 8`));
  });
});
