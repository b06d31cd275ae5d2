// Changing the key of the single-node database in place (`parley db rekey`), with the server
// stopped: the server holds the file exclusively while it runs, and would keep using the old key.
import { stat } from "node:fs/promises";
import { describeParleyDatabase, type BackupSummary } from "./sqlite-backup.js";
import { assertUsableKey, openFailure, openKeyedSqlite, rekeySqlite } from "./sqlite-cipher.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";

export interface SqliteRekeyOptions {
  readonly databasePath: string;
  /** The current key; undefined when the database is not encrypted yet (it then gets encrypted). */
  readonly key: string | undefined;
  readonly newKey: string;
}

/**
 * Re-encrypts every page of the database under `newKey` (and encrypts an unencrypted one), in
 * one transaction: after a crash the file opens with the old key or the new one. Rejects, with the
 * file unchanged, with STORAGE_WRONG_KEY (the current key is wrong), STORAGE_LOCKED (a server runs),
 * STORAGE_NOT_FOUND or STORAGE_KEY_INVALID.
 */
export async function rekeySqliteDatabase(options: SqliteRekeyOptions): Promise<BackupSummary> {
  assertUsableKey(options.newKey, "the new key");
  if (options.newKey === options.key) throw new StorageError(StorageErrorCode.KeyInvalid, "the new key is the current key");
  try {
    await stat(options.databasePath);
  } catch (error) {
    throw new StorageError(StorageErrorCode.NotFound, `there is no database at ${options.databasePath}`, { cause: error });
  }
  const db = openKeyedSqlite(options.databasePath, options.key);
  try {
    // Held to the end, so a server starting meanwhile waits rather than read a half-done file.
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    rekeySqlite(db, options.newKey);
    db.exec("PRAGMA journal_mode = WAL");
  } catch (error) {
    throw openFailure(error, options.databasePath, options.key !== undefined);
  } finally {
    db.close();
  }
  return describeParleyDatabase(options.databasePath, options.newKey);
}
