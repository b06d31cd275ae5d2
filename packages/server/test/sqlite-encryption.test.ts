// The SQLite file under SQLCipher: nothing readable on disk, consistent snapshots while writes go
// on, backups and restores between keys, and rekeying. Only right keys are used in this process;
// wrong keys are tested through the CLI, in child processes (apps/cli/test/storage-keys.test.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FakeClock, newEnvelope, registerTestAccount, seededRandom, tempDir, type StoreContext, type TempDir } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores, type SqliteStores } from "../src/adapters/sql/index.js";
import { backupSqliteDatabase, describeParleyDatabase } from "../src/adapters/sql/sqlite-backup.js";
import { rekeySqliteDatabase } from "../src/adapters/sql/sqlite-rekey.js";
import { restoreSqliteDatabase } from "../src/adapters/sql/sqlite-restore.js";

const passphrase = "a storage passphrase for tests";
const rawKey = `x'${"5a".repeat(32)}'`;
const identifier = "plaintext_marker_alice";
const identityKey = new Uint8Array(Buffer.from(`05${"c3".repeat(32)}`, "hex"));
const envelopeText = "ENVELOPE-PLAINTEXT-MARKER";

describe("the SQLite file under SQLCipher", () => {
  let dir: TempDir;
  const open: SqliteStores[] = [];

  beforeEach(async () => {
    dir = await tempDir("parley-sqlcipher-");
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((stores) => stores.close()));
    await dir.cleanup();
  });

  const openStores = async (name: string, key: string | undefined) => {
    const stores = await openSqliteStores({ path: join(dir.path, name), ...(key === undefined ? {} : { key }) });
    open.push(stores);
    return stores;
  };
  /** An account with a known identifier and identity key, and one envelope with known bytes. */
  const populate = async (stores: SqliteStores) => {
    const context: StoreContext = { stores, random: seededRandom("sqlcipher"), clock: new FakeClock() };
    const { primary } = await registerTestAccount(context, { identifier, identityKey });
    await stores.mailbox.append([newEnvelope(context, primary, new Uint8Array(Buffer.from(envelopeText)))]);
    return { context, primary };
  };
  const plaintextIn = (path: string) => {
    const files = [path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file));
    return [identifier, envelopeText, Buffer.from(identityKey), "SQLite format 3"].filter((needle) => files.some((bytes) => bytes.includes(needle)));
  };

  it.each([
    ["a passphrase", passphrase],
    ["a raw key", rawKey],
  ])("keeps identifiers, keys and envelope bytes out of the file and its log, with %s", async (_kind, key) => {
    const path = join(dir.path, "parley.db");
    const stores = await openStores("parley.db", key);
    await populate(stores);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(plaintextIn(path)).toEqual([]);
    await stores.close();
    expect(plaintextIn(path)).toEqual([]);
  });

  it("shows all of them without a key (the control for the test above)", async () => {
    const stores = await openStores("plain.db", undefined);
    await populate(stores);
    await stores.close();
    expect(plaintextIn(join(dir.path, "plain.db"))).toEqual([identifier, envelopeText, Buffer.from(identityKey), "SQLite format 3"]);
  });

  it("snapshots, while appends go on, every append that resolved before the snapshot", async () => {
    const stores = await openStores("live.db", rawKey);
    const { context, primary } = await populate(stores);
    const resolved: number[] = [];
    const appends = Array.from({ length: 200 }, (_, i) =>
      stores.mailbox.append([newEnvelope(context, primary, new Uint8Array(Buffer.from(`m${i}`)))]).then(([seq]) => void resolved.push(seq!)),
    );
    await appends[99];
    const before = [...resolved];
    const target = join(dir.path, "snapshot.db");
    await stores.snapshot(target);
    await Promise.all(appends);
    expect(plaintextIn(target)).toEqual([]);
    const copy = await openStores("snapshot.db", rawKey);
    const seqs = new Set((await copy.mailbox.read(primary, 0, 1000)).map((entry) => entry.seq));
    expect(before.length).toBeGreaterThanOrEqual(100);
    expect(before.filter((seq) => !seqs.has(seq))).toEqual([]);
  });

  it("backs up under a key of its own and restores under another", async () => {
    const stores = await openStores("source.db", passphrase);
    await populate(stores);
    const backup = join(dir.path, "backup.db");
    const written = await backupSqliteDatabase({
      databasePath: join(dir.path, "source.db"),
      key: passphrase,
      backupKey: rawKey,
      target: backup,
      requestSnapshot: async (databasePath) => {
        const target = `${databasePath}.snapshot-${"0".repeat(16)}`;
        await stores.snapshot(target);
        return target;
      },
    });
    expect(written).toMatchObject({ online: true, accounts: 1, devices: 1, envelopes: 1 });
    expect(existsSync(`${join(dir.path, "source.db")}.snapshot-${"0".repeat(16)}`)).toBe(false);
    expect(plaintextIn(backup)).toEqual([]);
    expect(describeParleyDatabase(backup, rawKey)).toMatchObject({ accounts: 1, envelopes: 1 });

    const otherKey = "the restored database's own key";
    const restored = await restoreSqliteDatabase({ backup, backupKey: rawKey, databasePath: join(dir.path, "restored", "parley.db"), key: otherKey });
    expect(restored).toMatchObject({ accounts: 1, devices: 1, envelopes: 1 });
    const reopened = await openStores(join("restored", "parley.db"), otherKey);
    expect((await reopened.accounts.findAccountByIdentifier("username", identifier))?.identityKey).toEqual(identityKey);
  });

  it("rekeys a database in place, keeping its contents", async () => {
    const path = join(dir.path, "rekey.db");
    const stores = await openStores("rekey.db", passphrase);
    const { primary } = await populate(stores);
    await stores.close();
    const summary = await rekeySqliteDatabase({ databasePath: path, key: passphrase, newKey: rawKey });
    expect(summary).toMatchObject({ accounts: 1, envelopes: 1 });
    expect(plaintextIn(path)).toEqual([]);
    const reopened = await openStores("rekey.db", rawKey);
    expect(await reopened.mailbox.count(primary)).toBe(1);
  });
});
