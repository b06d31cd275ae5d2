// The storage key: a wrong or missing key fails with a stable code and changes nothing; a running
// server's database cannot be restored over or rekeyed; `parley db rekey` changes the key, or
// encrypts an unencrypted database. Every command runs as its own process.
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiClient, uniqueUsername, type RegisteredDevice } from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseDigest, register, StorageFixture } from "./support/storage-fixture.js";

describe("the storage key", { timeout: 120_000 }, () => {
  let fixture: StorageFixture;
  let keyFile: string;
  let otherKeyFile: string;

  interface Populated {
    readonly dataDir: string;
    readonly database: string;
    readonly device: RegisteredDevice;
  }
  /** Templates: a stopped server's data directory holding one account, keyed and unencrypted. */
  const templates = new Map<string | undefined, Populated>();
  const makeTemplate = async (name: string, key: string | undefined): Promise<Populated> => {
    const dataDir = fixture.dataDir(name);
    const server = await fixture.serve(dataDir, key);
    const device = await register(server, uniqueUsername(name));
    await server.stop();
    return { dataDir, database: join(dataDir, "parley.db"), device };
  };
  /** A copy of the template for `key` (the same account) in a data directory of its own. */
  const populated = async (name: string, key: string | undefined): Promise<Populated> => {
    const template = templates.get(key)!;
    const dataDir = fixture.dataDir(name);
    cpSync(template.dataDir, dataDir, { recursive: true });
    return { dataDir, database: join(dataDir, "parley.db"), device: template.device };
  };
  const signsIn = async (dataDir: string, key: string | undefined, device: RegisteredDevice) => {
    const server = await fixture.serve(dataDir, key);
    try {
      return (await new ApiClient(server.url, device.credentials).get("/v1/accounts/me")).status;
    } finally {
      await server.stop();
    }
  };

  beforeAll(async () => {
    fixture = await StorageFixture.create();
    keyFile = fixture.keyFile("storage", "the right storage key, long enough");
    otherKeyFile = fixture.keyFile("other", "another key, also long enough");
    const [keyed, plain] = await Promise.all([makeTemplate("template_keyed", keyFile), makeTemplate("template_plain", undefined)]);
    templates.set(keyFile, keyed);
    templates.set(undefined, plain);
  }, 60_000);
  afterAll(() => fixture?.close());

  it("refuses to start with a wrong or missing key, with a stable code, leaving the database as it was", async () => {
    const { dataDir, database } = await populated("wrong-key", keyFile);
    const before = databaseDigest(database);
    const wrong = await fixture.run(["serve", "--port", "0", "--data-dir", dataDir], StorageFixture.keyEnv(otherKeyFile));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^parley: the key does not open .*parley\.db \[STORAGE_WRONG_KEY\]$/m);
    const missing = await fixture.run(["serve", "--port", "0", "--data-dir", dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/\[STORAGE_KEY_REQUIRED\]$/m);
    expect(databaseDigest(database)).toBe(before);
  });

  it("names an unencrypted database when a key is configured", async () => {
    const { dataDir, database } = await populated("plain-start", undefined);
    const before = databaseDigest(database);
    const keyed = await fixture.run(["serve", "--port", "0", "--data-dir", dataDir], StorageFixture.keyEnv(keyFile));
    expect(keyed.code).toBe(1);
    expect(keyed.stderr).toMatch(/parley db rekey.*\[STORAGE_NOT_ENCRYPTED\]$/m);
    expect(databaseDigest(database)).toBe(before);
  });

  it("restores nothing from a backup the key does not open", async () => {
    const source = await populated("backup-source", keyFile);
    const backupFile = join(fixture.dir.path, "source-backup.db");
    const backup = await fixture.run(["backup", backupFile, "--data-dir", source.dataDir], StorageFixture.keyEnv(keyFile));
    expect(backup.stdout).toMatch(/^backup written from the database file: /m);
    const target = await populated("restore-target", keyFile);
    const before = databaseDigest(target.database);
    const wrong = await fixture.run(["restore", backupFile, "--force", "--data-dir", target.dataDir, "--key-file", otherKeyFile], StorageFixture.keyEnv(keyFile));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/the key does not open .*source-backup\.db \[STORAGE_WRONG_KEY\]$/m);
    expect(databaseDigest(target.database)).toBe(before);
    expect(await signsIn(target.dataDir, keyFile, target.device)).toBe(200);
  });

  it("refuses to restore over, or rekey, the database of a running server", async () => {
    const source = await populated("locked-source", keyFile);
    const backupFile = join(fixture.dir.path, "locked-backup.db");
    expect((await fixture.run(["backup", backupFile, "--data-dir", source.dataDir], StorageFixture.keyEnv(keyFile))).code).toBe(0);
    const target = await populated("locked-target", keyFile);
    const running = await fixture.serve(target.dataDir, keyFile);
    const restore = await fixture.run(["restore", backupFile, "--force", "--data-dir", target.dataDir], StorageFixture.keyEnv(keyFile));
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/held by a running server; stop it first \[STORAGE_LOCKED\]$/m);
    const rekey = await fixture.run(["db", "rekey", "--new-key-file", otherKeyFile, "--data-dir", target.dataDir], StorageFixture.keyEnv(keyFile));
    expect(rekey.code).toBe(1);
    expect(rekey.stderr).toMatch(/\[STORAGE_LOCKED\]$/m);
    // The server still serves the account it had.
    expect((await new ApiClient(running.url, target.device.credentials).get("/v1/accounts/me")).status).toBe(200);
    await running.stop();
  });

  it("changes the key with db rekey: the old key no longer opens the database, the new one does", async () => {
    const { dataDir, database, device } = await populated("rekey", keyFile);
    const rekey = await fixture.run(["db", "rekey", "--new-key-file", otherKeyFile, "--data-dir", dataDir], StorageFixture.keyEnv(keyFile));
    expect(rekey.stderr).toBe("");
    expect(rekey.stdout).toMatch(/^rekeyed: .*parley\.db \(\d+ bytes: 1 accounts, 1 devices, 0 queued envelopes\)$/m);
    const old = await fixture.run(["serve", "--port", "0", "--data-dir", dataDir], StorageFixture.keyEnv(keyFile));
    expect(old.stderr).toMatch(/\[STORAGE_WRONG_KEY\]$/m);
    expect(await signsIn(dataDir, otherKeyFile, device)).toBe(200);
    // A wrong current key changes nothing.
    const before = databaseDigest(database);
    const third = fixture.keyFile("third", "yet another key for a rekey");
    const wrong = await fixture.run(["db", "rekey", "--new-key-file", third, "--data-dir", dataDir], StorageFixture.keyEnv(keyFile));
    expect(wrong.stderr).toMatch(/\[STORAGE_WRONG_KEY\]$/m);
    expect(databaseDigest(database)).toBe(before);
  });

  it("encrypts an unencrypted database with db rekey", async () => {
    const { dataDir, database, device } = await populated("encrypt", undefined);
    expect(readFileSync(database).subarray(0, 15).toString("latin1")).toBe("SQLite format 3");
    const rekey = await fixture.run(["db", "rekey", "--new-key-file", keyFile, "--data-dir", dataDir]);
    expect(rekey.code).toBe(0);
    const bytes = readFileSync(database);
    expect(bytes.includes(Buffer.from("SQLite format 3"))).toBe(false);
    expect(bytes.includes(Buffer.from(device.credentials.accountId))).toBe(false);
    expect(await signsIn(dataDir, keyFile, device)).toBe(200);
  });

  it("encrypts a backup under a key of its own, which the restore then needs", async () => {
    const source = await populated("own-key", keyFile);
    const backupFile = join(fixture.dir.path, "own-key-backup.db");
    expect((await fixture.run(["backup", backupFile, "--data-dir", source.dataDir, "--key-file", otherKeyFile], StorageFixture.keyEnv(keyFile))).code).toBe(0);
    const target = fixture.dataDir("own-key-restored");
    const withStorageKey = await fixture.run(["restore", backupFile, "--data-dir", target], StorageFixture.keyEnv(keyFile));
    expect(withStorageKey.stderr).toMatch(/\[STORAGE_WRONG_KEY\]$/m);
    const withBackupKey = await fixture.run(["restore", backupFile, "--data-dir", target, "--key-file", otherKeyFile], StorageFixture.keyEnv(keyFile));
    expect(withBackupKey.code).toBe(0);
    expect(await signsIn(target, keyFile, source.device)).toBe(200);
  });

  it("refuses an unencrypted backup, and an existing backup file without --force", async () => {
    const { dataDir } = await populated("no-key", undefined);
    const backupFile = join(fixture.dir.path, "no-key-backup.db");
    const unencrypted = await fixture.run(["backup", backupFile, "--data-dir", dataDir]);
    expect(unencrypted.stderr).toMatch(/\[BACKUP_KEY_REQUIRED\]$/m);
    expect((await fixture.run(["backup", backupFile, "--data-dir", dataDir, "--key-file", keyFile])).code).toBe(0);
    const again = await fixture.run(["backup", backupFile, "--data-dir", dataDir, "--key-file", keyFile]);
    expect(again.stderr).toMatch(/exists; pass --force to replace it \[STORAGE_EXISTS\]$/m);
    expect((await fixture.run(["backup", backupFile, "--force", "--data-dir", dataDir, "--key-file", keyFile])).code).toBe(0);
  });

  it("prints the configured key as [REDACTED]", async () => {
    const shown = await fixture.run(["config", "show"], { PARLEY_STORAGE__ENCRYPTION_KEY: "a key that must never be printed" });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('encryptionKey = "[REDACTED]"');
    expect(shown.stdout).not.toContain("never be printed");
  });
});
