// SQLCipher on a better-sqlite3-multiple-ciphers connection: applying a key, proving it opens the
// file, and telling the ways an open can fail apart (wrong key, missing key, unencrypted file,
// file held by another process), each with its own StorageError code.
//
// Every page of an encrypted database, and of its write-ahead log, is AES-256 encrypted with an
// HMAC per page (SQLCipher 4: PBKDF2-HMAC-SHA512 with 256,000 iterations derives the page key
// from the passphrase and the file's random salt). legacy=4 selects exactly SQLCipher 4's format,
// so the file and its backups open in stock SQLCipher tools given the same passphrase.
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import Sqlite from "better-sqlite3-multiple-ciphers";
import { StorageError, StorageErrorCode } from "./storage-error.js";

/** The first 16 bytes of every unencrypted SQLite file. */
const PLAINTEXT_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/** The shortest passphrase accepted as a database or backup key. */
export const MIN_KEY_LENGTH = 16;

/**
 * Sets SQLCipher 4 and `key` on a fresh connection. Must come before anything reads the file;
 * exec, never pragma(): pragma() prepares a statement and drops it, and on Node 24
 * better-sqlite3 12 can abort when such a statement is collected outside a JS context.
 */
export function applySqliteKey(db: Sqlite.Database, key: string): void {
  db.exec("PRAGMA cipher = 'sqlcipher'");
  db.exec("PRAGMA legacy = 4");
  db.exec(`PRAGMA key = ${sqlString(key)}`);
}

/**
 * Changes the key of an open, keyed (or unencrypted) database; an empty `newKey` decrypts it.
 * Leaves it in rollback-journal mode (SQLite3 Multiple Ciphers cannot rekey in WAL mode). One
 * transaction rewrites every page, so a crash leaves the old key or the new one, never a mix.
 */
export function rekeySqlite(db: Sqlite.Database, newKey: string): void {
  db.exec("PRAGMA journal_mode = DELETE");
  db.exec("PRAGMA cipher = 'sqlcipher'");
  db.exec("PRAGMA legacy = 4");
  db.exec(`PRAGMA rekey = ${sqlString(newKey)}`);
}

/**
 * Reads the schema, which needs page 1 decrypted: throws a StorageError saying why the file does
 * not open with the key given (`keyed`), or that another process holds it.
 */
export function proveSqliteKey(db: Sqlite.Database, path: string, keyed: boolean): void {
  try {
    db.exec("SELECT count(*) FROM sqlite_master");
  } catch (error) {
    throw openFailure(error, path, keyed);
  }
}

/** The StorageError for a failed open of `path`, or `error` itself when it is none of them. */
export function openFailure(error: unknown, path: string, keyed: boolean): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new StorageError(StorageErrorCode.Locked, `${path} is held by another process (a running server?)`, { cause: error });
  }
  if (code !== "SQLITE_NOTADB") return error;
  const plaintext = hasPlaintextHeader(path);
  if (keyed && plaintext) {
    return new StorageError(StorageErrorCode.NotEncrypted, `${path} is not encrypted but a key is configured (\`parley db rekey\` encrypts it)`, { cause: error });
  }
  if (keyed) return new StorageError(StorageErrorCode.WrongKey, `the key does not open ${path}`, { cause: error });
  if (plaintext) return new StorageError(StorageErrorCode.Corrupt, `${path} is damaged`, { cause: error });
  return new StorageError(StorageErrorCode.KeyRequired, `${path} is encrypted (or not a database) and no key is configured`, { cause: error });
}

/** Opens `path` (which must exist), applies `key` and proves it; the caller closes the result. */
export function openKeyedSqlite(path: string, key: string | undefined, options: { readonly readonly?: boolean } = {}): Sqlite.Database {
  if (!existsSync(path)) throw new StorageError(StorageErrorCode.NotFound, `there is no database at ${path}`);
  const db = new Sqlite(path, { fileMustExist: true, readonly: options.readonly === true });
  try {
    if (key !== undefined) applySqliteKey(db, key);
    // Fail at once, rather than wait, when a server holds the file.
    db.exec("PRAGMA busy_timeout = 0");
    proveSqliteKey(db, path, key !== undefined);
    // Sorting and temporary tables stay in memory, never in unencrypted temporary files.
    db.exec("PRAGMA temp_store = MEMORY");
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Whether `path` starts with the unencrypted SQLite header (false when it cannot be read). */
export function hasPlaintextHeader(path: string): boolean {
  if (path === ":memory:" || path === "") return false;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    const header = Buffer.alloc(PLAINTEXT_HEADER.length);
    return readSync(fd, header, 0, header.length, 0) === header.length && header.equals(PLAINTEXT_HEADER);
  } finally {
    closeSync(fd);
  }
}

/** Throws KEY_INVALID when `key` is too short to be a key; `what` names it in the message. */
export function assertUsableKey(key: string, what: string): void {
  if (key.length < MIN_KEY_LENGTH) {
    throw new StorageError(StorageErrorCode.KeyInvalid, `${what} must be at least ${MIN_KEY_LENGTH} characters`);
  }
}

/** `value` as an SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
