// The client's KeyValueStore on Node: one SQLCipher-encrypted SQLite file, table
// kv(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID. Every page, of the database and of
// its write-ahead log, is encrypted with a key derived from the user's passphrase
// (./passphrase-key.ts); keys and values are never on disk in plaintext.
import { stat, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Entry, KeyValueStore, ScanOptions, Write } from "@parley/sdk";
import Sqlite from "better-sqlite3-multiple-ciphers";
import { createKdfFile, derivePassphraseKey, kdfFilePath, readKdfFile } from "./passphrase-key.js";
import { StoreError, StoreErrorCode } from "./store-error.js";

export interface SqliteKeyValueStoreOptions {
  /** The database file; its directory is created. The key-derivation file goes next to it. */
  readonly path: string;
  /** Never logged or kept: only the key derived from it reaches SQLCipher. */
  readonly passphrase: string;
  /**
   * "normal" (the default, as on mobile platforms' SQLite in WAL mode): a commit survives a crash
   * or kill of the process at once, and a power cut once the log is next synced (at checkpoints).
   * "full": every commit syncs the log, surviving a power cut too, at a few ms per commit.
   */
  readonly synchronous?: "normal" | "full";
}

type Statement = Sqlite.Statement<unknown[], unknown>;

interface Statements {
  readonly get: Statement;
  readonly put: Statement;
  readonly delete: Statement;
  readonly scanAscending: Statement;
  readonly scanAscendingAfter: Statement;
  readonly scanDescending: Statement;
  readonly scanDescendingAfter: Statement;
}

interface Row {
  readonly key: string;
  readonly value: Buffer;
}

// Keys starting with @prefix are those from @prefix up to @prefix followed by the byte 0xff, which
// never occurs in UTF-8: TEXT compares as bytes (BINARY collation).
const IN_PREFIX = "key >= @prefix AND key < @prefix || x'ff'";
const SCAN = (after: boolean, order: "ASC" | "DESC") =>
  `SELECT key, value FROM kv WHERE ${IN_PREFIX}${after ? " AND key > @after" : ""} ORDER BY key ${order} LIMIT @limit`;

/**
 * Opens the store at `options.path`, creating it (and its key-derivation file) on first use.
 * Rejects with STORE_WRONG_PASSPHRASE, leaving the files untouched, when the passphrase does not
 * open an existing store; STORE_LOCKED when another connection has it open; STORE_KDF_MISSING or
 * STORE_KDF_INVALID when the key-derivation file is gone or unreadable.
 */
export async function openSqliteKeyValueStore(options: SqliteKeyValueStoreOptions): Promise<SqliteKeyValueStore> {
  if (options.passphrase.length === 0) throw new RangeError("the store's passphrase must not be empty");
  await mkdir(dirname(options.path), { recursive: true });
  const kdfPath = kdfFilePath(options.path);
  let parameters = await readKdfFile(kdfPath);
  if (parameters === undefined) {
    if (await hasContent(options.path)) {
      throw new StoreError(StoreErrorCode.KdfMissing, "the store exists but its key-derivation file is missing");
    }
    parameters = await createKdfFile(kdfPath);
  }
  const key = await derivePassphraseKey(options.passphrase, parameters);
  try {
    return SqliteKeyValueStore.open(options.path, key, options.synchronous ?? "normal");
  } finally {
    key.fill(0);
  }
}

async function hasContent(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * KeyValueStore guarantees: each commit is one SQLite transaction (atomic), durable against a
 * process crash on return (in WAL mode the commit is in the log; with synchronous=FULL the log is
 * also synced at every commit, which adds power-cut safety). The connection holds the file
 * exclusively (locking_mode=EXCLUSIVE): two processes running Signal operations on one store
 * would lose each other's ratchet updates, so a second opener fails with STORE_LOCKED instead.
 * better-sqlite3 is synchronous, so calls never interleave; values come back as fresh copies.
 */
export class SqliteKeyValueStore implements KeyValueStore {
  #db: Sqlite.Database | undefined;
  /** Prepared once, reused by every call; dropped on close (see close()). */
  #statements: Statements | undefined;

  private constructor(db: Sqlite.Database) {
    this.#db = db;
    this.#statements = {
      get: db.prepare("SELECT value FROM kv WHERE key = ?"),
      put: db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
      delete: db.prepare("DELETE FROM kv WHERE key = ?"),
      scanAscending: db.prepare(SCAN(false, "ASC")),
      scanAscendingAfter: db.prepare(SCAN(true, "ASC")),
      scanDescending: db.prepare(SCAN(false, "DESC")),
      scanDescendingAfter: db.prepare(SCAN(true, "DESC")),
    };
  }

  /** Opens with a raw 32-byte SQLCipher key (no passphrase derivation inside SQLCipher). */
  static open(path: string, key: Uint8Array, synchronous: "normal" | "full" = "normal"): SqliteKeyValueStore {
    const db = new Sqlite(path);
    try {
      // exec, never pragma(): pragma() prepares a statement and drops it, and on Node 24
      // better-sqlite3 12 can abort when such a statement is collected outside a JS context.
      // Cipher settings and key come before anything reads the file. SQLCipher 4's format
      // (legacy=4) keeps the file readable by stock SQLCipher tools given the same raw key.
      db.exec("PRAGMA cipher = 'sqlcipher'");
      db.exec("PRAGMA legacy = 4");
      db.exec(`PRAGMA key = "x'${Buffer.from(key).toString("hex")}'"`);
      // Fail at once, rather than wait, when another connection holds the file.
      db.exec("PRAGMA busy_timeout = 0");
      proveKey(db);
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(synchronous === "full" ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      // Sorting and temporary tables stay in memory, never in unencrypted temporary files.
      db.exec("PRAGMA temp_store = MEMORY");
      db.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID");
      return new SqliteKeyValueStore(db);
    } catch (error) {
      db.close();
      throw isBusy(error) ? new StoreError(StoreErrorCode.Locked, "the store is open in another connection", { cause: error }) : error;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const row = this.#open().get.get(key) as Pick<Row, "value"> | undefined;
    return row && new Uint8Array(row.value);
  }

  async scan(prefix: string, options?: ScanOptions): Promise<Entry[]> {
    const statements = this.#open();
    const limit = options?.limit;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) throw new RangeError("scan limit must be a non-negative integer");
    const after = options?.after;
    const reverse = options?.reverse === true;
    const statement =
      after === undefined
        ? reverse
          ? statements.scanDescending
          : statements.scanAscending
        : reverse
          ? statements.scanDescendingAfter
          : statements.scanAscendingAfter;
    // LIMIT -1 is SQLite's "no limit".
    const parameters = { prefix, limit: limit ?? -1, ...(after === undefined ? {} : { after }) };
    const rows = statement.all(parameters) as Row[];
    return rows.map((row) => ({ key: row.key, value: new Uint8Array(row.value) }));
  }

  async commit(batch: readonly Write[]): Promise<void> {
    const statements = this.#open();
    assertValidBatch(batch);
    if (batch.length === 0) return;
    const db = this.#db!;
    db.exec("BEGIN IMMEDIATE");
    try {
      for (const { key, value } of batch) {
        if (value === undefined) statements.delete.run(key);
        else statements.put.run(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      }
      db.exec("COMMIT");
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Idempotent. Later calls reject with STORE_CLOSED. */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    db?.close();
    // Unreferenced statements are collected while the process still runs, not during its
    // teardown, where better-sqlite3 12 on Node 24 aborts in the statement destructor.
    this.#statements = undefined;
  }

  #open(): Statements {
    if (this.#statements === undefined) throw new StoreError(StoreErrorCode.Closed, "the store is closed");
    return this.#statements;
  }
}

/** Reads the schema: with a wrong key SQLCipher cannot decrypt page 1 and reports SQLITE_NOTADB. */
function proveKey(db: Sqlite.Database): void {
  try {
    db.exec("SELECT count(*) FROM sqlite_master");
  } catch (error) {
    if ((error as { code?: unknown }).code === "SQLITE_NOTADB") {
      throw new StoreError(StoreErrorCode.WrongPassphrase, "the passphrase does not open this store", { cause: error });
    }
    throw error;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/** Rejects a malformed batch before the transaction starts, so a rejected commit applies nothing. */
function assertValidBatch(batch: readonly Write[]): void {
  for (const write of batch) {
    if (typeof write.key !== "string") throw new TypeError("a write's key must be a string");
    if (write.value !== undefined && !(write.value instanceof Uint8Array)) {
      throw new TypeError("a write's value must be a Uint8Array, or undefined to delete");
    }
  }
}
