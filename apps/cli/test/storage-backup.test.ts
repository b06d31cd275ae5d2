// `parley backup` during live traffic and `parley restore` into a fresh data directory: every
// envelope acknowledged before the backup began is there after the restore, and neither the
// encrypted database nor the backup holds readable identifiers, keys or envelope bytes.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeEnvelope, deliverPath, queueEmptyPath } from "@parley/protocol";
import { ApiClient, TestSocket, uniqueUsername, waitFor, type RegisteredDevice } from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerProcess } from "./support/processes.js";
import { register, send, StorageFixture } from "./support/storage-fixture.js";

const unlimited = { PARLEY_RATE_LIMITS__ENABLED: "false" };
const marker = (i: number) => `ENVELOPE-PLAINTEXT-${String(i).padStart(6, "0")}`;

/** Every envelope text waiting for `device`, read over its socket (each acknowledged). */
async function drain(url: string, device: RegisteredDevice): Promise<string[]> {
  const socket = await TestSocket.connect(url, device.credentials, { autoRespond: 200, timeoutMs: 20_000 });
  try {
    await waitFor(() => socket.received.some((request) => request.path === queueEmptyPath), { timeoutMs: 30_000, what: "the queue-empty marker" });
    return socket.received.filter((request) => request.path === deliverPath).map((request) => Buffer.from(decodeEnvelope(request.body).content).toString());
  } finally {
    await socket.close();
  }
}

describe("parley backup and restore", { timeout: 120_000 }, () => {
  let fixture: StorageFixture;
  let keyFile: string;
  let server: ServerProcess;
  let alice: RegisteredDevice;
  let bob: RegisteredDevice;
  const names = { alice: uniqueUsername("alice"), bob: uniqueUsername("bob") };
  /** Markers whose send was acknowledged before the backup started. */
  let beforeBackup: string[] = [];
  let backupFile: string;
  let backupOutput = "";
  let sentDuringBackup = 0;

  beforeAll(async () => {
    fixture = await StorageFixture.create();
    keyFile = fixture.keyFile("storage", "a storage key for the backup test");
    // The senders go as fast as they can: the per-pair send limit is not what this test is about.
    server = await fixture.serve(fixture.dataDir("live"), keyFile, unlimited);
    alice = await register(server, names.alice);
    bob = await register(server, names.bob);
    backupFile = join(fixture.dir.path, "parley-backup.db");

    // Two senders keep sending until told to stop; each records what the server acknowledged.
    const acknowledged: string[] = [];
    let next = 0;
    let stop = false;
    let failure: Error | undefined;
    const sender = async () => {
      while (!stop && failure === undefined) {
        const text = marker(next++);
        const status = await send(server, alice, bob, text);
        if (status === 200) acknowledged.push(text);
        else failure = new Error(`send answered ${status}`);
      }
    };
    const enough = (count: number) => () => {
      if (failure) throw failure;
      return acknowledged.length >= count;
    };
    const senders = [sender(), sender()];
    try {
      await waitFor(enough(40), { timeoutMs: 30_000, what: "40 acknowledged sends" });
      beforeBackup = [...acknowledged];
      const result = await fixture.run(["backup", backupFile, "--data-dir", server.dataDir], StorageFixture.keyEnv(keyFile));
      if (result.code !== 0) throw new Error(`parley backup exited with ${result.code}: ${result.stderr}`);
      backupOutput = result.stdout;
      sentDuringBackup = acknowledged.length - beforeBackup.length;
      // Traffic goes on after the backup, too.
      const after = acknowledged.length;
      await waitFor(enough(after + 10), { timeoutMs: 30_000, what: "sends after the backup" });
    } finally {
      stop = true;
      await Promise.all(senders);
    }
    if (failure) throw failure;
  }, 90_000);

  afterAll(() => fixture?.close());

  it("takes the backup from the running server while sends go on", () => {
    expect(backupOutput).toMatch(/^backup written from the running server: .*parley-backup\.db \(\d+ bytes: 2 accounts, 2 devices, \d+ queued envelopes\)$/m);
    expect(server.running).toBe(true);
    // The senders were acknowledged while the backup ran: it did not stop the traffic.
    expect(sentDuringBackup).toBeGreaterThan(0);
  });

  it("leaves no plaintext: identifiers, keys and envelope bytes appear neither in the database, its log, nor the backup", () => {
    const database = join(server.dataDir, "parley.db");
    const files = [database, `${database}-wal`, backupFile].filter((file) => existsSync(file));
    expect(files).toContain(backupFile);
    const needles = [
      Buffer.from(names.alice),
      Buffer.from(names.bob),
      Buffer.from("ENVELOPE-PLAINTEXT"),
      Buffer.from(alice.keys.identityKey, "base64"),
      Buffer.from(bob.keys.identityKey, "base64").subarray(1),
      Buffer.from(alice.keys.pqLastResortPreKey.publicKey, "base64").subarray(100, 132),
      Buffer.from("SQLite format 3"),
    ];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) expect({ file, found: bytes.includes(needle) }).toEqual({ file, found: false });
    }
  });

  it("restores into a fresh data directory with every envelope acknowledged before the backup", async () => {
    await server.stop();
    const fresh = fixture.dataDir("restored");
    const restored = await fixture.run(["restore", backupFile, "--data-dir", fresh], StorageFixture.keyEnv(keyFile));
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^restored: .*parley\.db \(\d+ bytes: 2 accounts, 2 devices, \d+ queued envelopes\)$/m);

    const again = await fixture.serve(fresh, keyFile, unlimited);
    expect((await new ApiClient(again.url, alice.credentials).get("/v1/accounts/me")).status).toBe(200);
    const delivered = new Set(await drain(again.url, bob));
    const lost = beforeBackup.filter((text) => !delivered.has(text));
    expect(lost).toEqual([]);
    await again.stop();
  });

  it("restores to an unencrypted database when no storage key is configured, given the backup's key", async () => {
    const plain = fixture.dataDir("plain");
    const restored = await fixture.run(["restore", backupFile, "--data-dir", plain, "--key-file", keyFile]);
    expect(restored.code).toBe(0);
    // The control for the test above: the same data without encryption shows what it looks for.
    const bytes = readFileSync(join(plain, "parley.db"));
    expect(bytes.includes(Buffer.from("SQLite format 3"))).toBe(true);
    expect(bytes.includes(Buffer.from(names.alice))).toBe(true);
    expect(bytes.includes(Buffer.from(beforeBackup[0]!))).toBe(true);
  });
});
