// Restoring a backup (./sqlite-backup.ts) as the single-node database, with the server stopped.
// The backup is checked first (key, integrity, that it is a Parley database), so a wrong key or a
// damaged file changes nothing. The restored file is prepared beside the database under a
// temporary name, re-encrypted under the database's key, synced, and renamed into place.
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import Sqlite from "better-sqlite3-multiple-ciphers";
import { moveInto, syncFile } from "./durable-files.js";
import { describeParleyDatabase, type BackupSummary } from "./sqlite-backup.js";
import { openKeyedSqlite, rekeySqlite } from "./sqlite-cipher.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";

export interface SqliteRestoreOptions {
  readonly backup: string;
  /** The key the backup is encrypted under (default: `key`; one of them is required). */
  readonly backupKey?: string | undefined;
  readonly databasePath: string;
  /** The database's key: the restored file is encrypted under it; undefined leaves it unencrypted. */
  readonly key: string | undefined;
  /** Replace an existing database (default: refuse with STORAGE_EXISTS). */
  readonly overwrite?: boolean;
}

/**
 * Makes `backup` the database at `databasePath`. Refuses with STORAGE_LOCKED while a process (a
 * running server) holds the database, and with STORAGE_EXISTS when one exists and `overwrite` is
 * not set. The server's next start migrates the restored schema if it is older.
 */
export async function restoreSqliteDatabase(options: SqliteRestoreOptions): Promise<BackupSummary> {
  const backupKey = options.backupKey ?? options.key;
  if (backupKey === undefined) {
    throw new StorageError(StorageErrorCode.BackupKeyRequired, "backups are encrypted: give the backup's key (--key-file) or configure storage.encryptionKey");
  }
  describeParleyDatabase(options.backup, backupKey);
  const database = options.databasePath;
  if (await hasContent(database)) {
    assertNotHeld(database);
    if (options.overwrite !== true) throw new StorageError(StorageErrorCode.Exists, `${database} exists; pass --force to replace it`);
  }
  const staging = `${database}.restore-${randomBytes(8).toString("hex")}`;
  await mkdir(dirname(database), { recursive: true });
  try {
    await copyFile(options.backup, staging);
    if (options.key !== backupKey) {
      const db = openKeyedSqlite(staging, backupKey);
      try {
        // An empty key decrypts: the configuration has no key, so the server opens it unencrypted.
        rekeySqlite(db, options.key ?? "");
      } finally {
        db.close();
      }
    }
    await syncFile(staging);
    // The log of the replaced database must not be replayed into the restored one.
    for (const suffix of ["-wal", "-shm", "-journal"]) await rm(`${database}${suffix}`, { force: true });
    await moveInto(staging, database, true);
  } finally {
    await rm(staging, { force: true });
  }
  return describeParleyDatabase(database, options.key);
}

/**
 * Throws STORAGE_LOCKED when another connection holds `path`: a running server keeps an exclusive
 * lock on its database for as long as it runs. Reads nothing, so it needs no key.
 */
export function assertNotHeld(path: string): void {
  const db = new Sqlite(path, { fileMustExist: true });
  try {
    db.exec("PRAGMA busy_timeout = 0");
    try {
      db.exec("BEGIN EXCLUSIVE");
      db.exec("ROLLBACK");
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
        throw new StorageError(StorageErrorCode.Locked, `${path} is held by a running server; stop it first`, { cause: error });
      }
      // Anything else (an encrypted file this keyless connection cannot read) means no lock.
      if (db.inTransaction) db.exec("ROLLBACK");
    }
  } finally {
    db.close();
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
