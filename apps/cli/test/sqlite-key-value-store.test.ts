import { scryptSync } from "node:crypto";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeKeyValueStoreContract, tempDir, type TempDir } from "@parley/testkit";
import { DEFAULT_SCRYPT_COST, kdfFilePath, parseKdfFile } from "../src/storage/passphrase-key.js";
import { SqliteKeyValueStore, openSqliteKeyValueStore } from "../src/storage/sqlite-key-value-store.js";
import { StoreErrorCode } from "../src/storage/store-error.js";

const passphrase = "correct horse battery staple";
const text = (value: string) => new TextEncoder().encode(value);

describeKeyValueStoreContract("SQLite", async () => {
  const dir = await tempDir();
  const store = await openSqliteKeyValueStore({ path: join(dir.path, "client.db"), passphrase });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dir.cleanup();
    },
  };
});

/** Every file in `dir` and its bytes. */
async function filesIn(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)));
  return files;
}

/**
 * Runs `body` (an async module body with `env`: the arguments plus `module`, this store's source
 * URL) in a Node process of its own and parses the JSON line it prints.
 */
function inChildProcess<T>(body: string, args: Record<string, string>): Promise<T> {
  const module = pathToFileURL(fileURLToPath(new URL("../src/storage/sqlite-key-value-store.ts", import.meta.url))).href;
  const script = `const env = JSON.parse(process.env.PARLEY_TEST_ARGS);\n${body}`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--conditions=@parley/source", "--input-type=module", "-e", script],
      { env: { ...process.env, PARLEY_TEST_ARGS: JSON.stringify({ ...args, module }) } },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout.trim()) as T)),
    );
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("SqliteKeyValueStore", () => {
  let dir: TempDir;
  let path: string;
  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir.path, "nested", "client.db");
  });
  afterEach(() => dir.cleanup());

  it("keeps committed data across close and reopen", async () => {
    const store = await openSqliteKeyValueStore({ path, passphrase });
    await store.commit([
      { key: "session/bob/001", value: Uint8Array.of(1, 2, 3) },
      { key: "prekey/00000002", value: text("two") },
      { key: "prekey/00000001", value: text("one") },
    ]);
    await store.close();
    const reopened = await openSqliteKeyValueStore({ path, passphrase });
    try {
      expect(await reopened.get("session/bob/001")).toEqual(Uint8Array.of(1, 2, 3));
      expect((await reopened.scan("prekey/")).map((entry) => entry.key)).toEqual(["prekey/00000001", "prekey/00000002"]);
    } finally {
      await reopened.close();
    }
  });

  it("writes neither keys nor values in plaintext, in the database or its log", async () => {
    const marker = "PLAINTEXT-MARKER-5f1c";
    const store = await openSqliteKeyValueStore({ path, passphrase });
    await store.commit([{ key: `contact/${marker}-key`, value: text(`${marker}-value`.repeat(50)) }]);
    const whileOpen = await filesIn(join(dir.path, "nested"));
    await store.close();
    const afterClose = await filesIn(join(dir.path, "nested"));
    expect([...whileOpen.keys()]).toContain("client.db-wal");
    for (const [name, bytes] of [...whileOpen, ...afterClose]) {
      if (name.endsWith(".kdf.json")) continue;
      expect(bytes.includes(marker), name).toBe(false);
      expect(bytes.includes("SQLite format 3"), name).toBe(false);
    }
  });

  it("rejects a wrong passphrase with STORE_WRONG_PASSPHRASE and leaves the files as they were", async () => {
    // In a process of its own: a refused open leaves a database object for the garbage
    // collector, and better-sqlite3 12 aborts Node 24 when it destroys one during a test
    // worker's teardown (a process that ends normally, as the CLI does, is not affected).
    const result = await inChildProcess<{ code: string; unchanged: boolean; value: number[] }>(
      `const { openSqliteKeyValueStore } = await import(env.module);
      const { readdir, readFile } = await import("node:fs/promises");
      const { dirname, join } = await import("node:path");
      const files = async () => { const out = []; for (const n of (await readdir(dirname(env.path))).sort()) out.push(n, (await readFile(join(dirname(env.path), n))).toString("hex")); return out.join(); };
      const store = await openSqliteKeyValueStore({ path: env.path, passphrase: env.passphrase });
      await store.commit([{ key: "local/identity", value: Uint8Array.of(7) }]);
      await store.close();
      const before = await files();
      let code = "opened";
      try { await (await openSqliteKeyValueStore({ path: env.path, passphrase: "wrong horse" })).close(); } catch (error) { code = error.code; }
      const unchanged = before === (await files());
      const reopened = await openSqliteKeyValueStore({ path: env.path, passphrase: env.passphrase });
      const value = [...((await reopened.get("local/identity")) ?? [])];
      await reopened.close();
      console.log(JSON.stringify({ code, unchanged, value }));`,
      { path, passphrase },
    );
    expect(result).toEqual({ code: StoreErrorCode.WrongPassphrase, unchanged: true, value: [7] });
  });

  it("derives the key with scrypt and a fresh salt kept beside the database", async () => {
    const other = join(dir.path, "other.db");
    await (await openSqliteKeyValueStore({ path, passphrase })).close();
    await (await openSqliteKeyValueStore({ path: other, passphrase })).close();
    const first = JSON.parse(await readFile(kdfFilePath(path), "utf8")) as Record<string, unknown>;
    expect(first).toMatchObject({ version: 1, kdf: "scrypt", ...DEFAULT_SCRYPT_COST });
    expect(Buffer.from(first["salt"] as string, "base64")).toHaveLength(16);
    const second = parseKdfFile(await readFile(kdfFilePath(other), "utf8"));
    expect(Buffer.from(second.salt).toString("base64")).not.toBe(first["salt"]);
  });

  it("encrypts with scrypt(passphrase, salt) given to SQLCipher as a raw key", async () => {
    const store = await openSqliteKeyValueStore({ path, passphrase });
    await store.commit([{ key: "a", value: Uint8Array.of(5) }]);
    await store.close();
    const { N, r, p, salt } = parseKdfFile(await readFile(kdfFilePath(path), "utf8"));
    const key = scryptSync(passphrase, salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 });
    const raw = SqliteKeyValueStore.open(path, key);
    expect(await raw.get("a")).toEqual(Uint8Array.of(5));
    await raw.close();
    key[0] = key[0]! ^ 1;
    expect(() => SqliteKeyValueStore.open(path, key)).toThrow(expect.objectContaining({ code: StoreErrorCode.WrongPassphrase }));
  });

  it("refuses to open a store whose key-derivation file is missing or damaged", async () => {
    await (await openSqliteKeyValueStore({ path, passphrase })).close();
    const kdf = await readFile(kdfFilePath(path), "utf8");
    await rm(kdfFilePath(path));
    expect(await codeOf(openSqliteKeyValueStore({ path, passphrase }))).toBe(StoreErrorCode.KdfMissing);
    await writeFile(kdfFilePath(path), kdf.replace('"scrypt"', '"md5"'));
    expect(await codeOf(openSqliteKeyValueStore({ path, passphrase }))).toBe(StoreErrorCode.KdfInvalid);
    await writeFile(kdfFilePath(path), kdf);
    await (await openSqliteKeyValueStore({ path, passphrase })).close();
  });

  it("refuses a second connection while the store is open", async () => {
    const store = await openSqliteKeyValueStore({ path, passphrase });
    await store.commit([{ key: "a", value: Uint8Array.of(1) }]);
    expect(await codeOf(openSqliteKeyValueStore({ path, passphrase }))).toBe(StoreErrorCode.Locked);
    await store.close();
    const reopened = await openSqliteKeyValueStore({ path, passphrase });
    expect(await reopened.get("a")).toEqual(Uint8Array.of(1));
    await reopened.close();
  });

  it("rejects calls after close with STORE_CLOSED, and closing twice is harmless", async () => {
    const store = await openSqliteKeyValueStore({ path, passphrase });
    await store.close();
    await store.close();
    expect(await codeOf(store.get("a"))).toBe(StoreErrorCode.Closed);
  });

  it("refuses an empty passphrase", async () => {
    await expect(openSqliteKeyValueStore({ path, passphrase: "" })).rejects.toThrow(RangeError);
  });
});
