// Online backup of the single-node SQLite database. A backup is itself a SQLCipher database (the
// same format as the live file, in rollback-journal mode), encrypted under the backup key: the
// database's own key unless another is given. It is never written in plaintext outside the
// data directory: the snapshot is taken beside the database (under its key, or unencrypted when
// the database is), encrypted for the backup there, and only then copied to the target.
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { stat, rm } from "node:fs/promises";
import type Sqlite from "better-sqlite3-multiple-ciphers";
import { copyFileDurably, syncFile } from "./durable-files.js";
import { assertUsableKey, openKeyedSqlite, rekeySqlite, sqlString } from "./sqlite-cipher.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";

export interface SqliteBackupOptions {
  readonly databasePath: string;
  /** The database's key; undefined when it is not encrypted. */
  readonly key: string | undefined;
  /** The key the backup is encrypted under (default: `key`; one of them is required). */
  readonly backupKey?: string | undefined;
  readonly target: string;
  /** Replace an existing `target` (default: refuse with STORAGE_EXISTS). */
  readonly overwrite?: boolean;
  /**
   * Asks a running server for a snapshot (the server holds the file exclusively): resolves with
   * its path (snapshotPathOf), or undefined when no server runs and the file is read directly.
   */
  readonly requestSnapshot: (databasePath: string) => Promise<string | undefined>;
}

/** What a backup holds, read back from the written file. */
export interface BackupSummary {
  readonly path: string;
  readonly bytes: number;
  readonly accounts: number;
  readonly devices: number;
  readonly envelopes: number;
}

/** Where a snapshot of `databasePath` goes: beside it, under a name nobody else picks. */
export function snapshotPathOf(databasePath: string): string {
  return `${databasePath}.snapshot-${randomBytes(8).toString("hex")}`;
}

/** Whether `path` is a name snapshotPathOf(databasePath) gives. */
export function isSnapshotPathOf(databasePath: string, path: string): boolean {
  const prefix = `${databasePath}.snapshot-`;
  return path.startsWith(prefix) && /^[0-9a-f]{16}$/.test(path.slice(prefix.length));
}

/**
 * Writes a consistent, encrypted copy of the database to `target`, through the running server
 * when there is one (`online` true), else straight from the file. The copy holds every commit
 * that returned before the snapshot began. `target` appears complete or not at all.
 */
export async function backupSqliteDatabase(options: SqliteBackupOptions): Promise<BackupSummary & { readonly online: boolean }> {
  const backupKey = options.backupKey ?? options.key;
  if (backupKey === undefined) {
    throw new StorageError(StorageErrorCode.BackupKeyRequired, "a backup must be encrypted, and no storage key is configured: give the backup a key (--key-file)");
  }
  assertUsableKey(backupKey, "the backup key");
  const overwrite = options.overwrite === true;
  if (!overwrite && (await exists(options.target))) {
    throw new StorageError(StorageErrorCode.Exists, `${options.target} exists; pass --force to replace it`);
  }
  let snapshot = await options.requestSnapshot(options.databasePath);
  const online = snapshot !== undefined;
  try {
    if (snapshot === undefined) {
      snapshot = snapshotPathOf(options.databasePath);
      const db = openKeyedSqlite(options.databasePath, options.key);
      try {
        db.exec(`VACUUM INTO ${sqlString(snapshot)}`);
      } finally {
        db.close();
      }
    }
    if (backupKey !== options.key) {
      const db = openKeyedSqlite(snapshot, options.key);
      try {
        rekeySqlite(db, backupKey);
      } finally {
        db.close();
      }
    }
    await syncFile(snapshot);
    describeParleyDatabase(snapshot, backupKey);
    await copyFileDurably(snapshot, options.target, overwrite);
  } finally {
    if (snapshot !== undefined) await rm(snapshot, { force: true });
  }
  return { ...describeParleyDatabase(options.target, backupKey), online };
}

/**
 * Opens `path` read-only with `key`, checks that it is an intact Parley database and counts what
 * it holds. Throws the StorageError of openKeyedSqlite, or STORAGE_CORRUPT.
 */
export function describeParleyDatabase(path: string, key: string | undefined): BackupSummary {
  const db = openKeyedSqlite(path, key, { readonly: true });
  try {
    const check = db.prepare("PRAGMA quick_check").pluck().all() as unknown[];
    if (check.length !== 1 || check[0] !== "ok") throw new StorageError(StorageErrorCode.Corrupt, `${path} fails SQLite's integrity check`);
    const tables = count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('migrations', 'accounts', 'devices', 'mailbox_entries')");
    if (tables !== 4) throw new StorageError(StorageErrorCode.Corrupt, `${path} is not a Parley database`);
    return {
      path,
      bytes: statSync(path).size,
      accounts: count(db, "SELECT count(*) FROM accounts"),
      devices: count(db, "SELECT count(*) FROM devices"),
      envelopes: count(db, "SELECT count(*) FROM mailbox_entries"),
    };
  } finally {
    db.close();
  }
}

function count(db: Sqlite.Database, sql: string): number {
  return Number(db.prepare(sql).pluck().get());
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
