// Failures of the SQLite database file itself (its key, its lock, backups and restores), with
// stable codes: `parley` prints the code beside the message and scripts branch on it. Messages
// name files, never keys or stored data.

export const StorageErrorCode = {
  /** The configured key does not open the database (or the backup). Nothing was changed. */
  WrongKey: "STORAGE_WRONG_KEY",
  /** The database is encrypted but no key is configured. Nothing was changed. */
  KeyRequired: "STORAGE_KEY_REQUIRED",
  /** A key is configured but the database is not encrypted (`parley db rekey` encrypts it). */
  NotEncrypted: "STORAGE_NOT_ENCRYPTED",
  /** A key (or key file) is unusable: empty, too short, unreadable. */
  KeyInvalid: "STORAGE_KEY_INVALID",
  /** Another process (a running server) holds the database. Nothing was changed. */
  Locked: "STORAGE_LOCKED",
  /** The file is not a Parley database, or fails SQLite's integrity check. */
  Corrupt: "STORAGE_CORRUPT",
  /** The target of a backup or restore exists and replacing it was not asked for. */
  Exists: "STORAGE_EXISTS",
  /** The operation needs a file that is not there. */
  NotFound: "STORAGE_NOT_FOUND",
  /** A backup must be encrypted: neither a storage key nor a backup key is configured. */
  BackupKeyRequired: "BACKUP_KEY_REQUIRED",
  /** The running server did not complete an online backup. */
  BackupFailed: "BACKUP_FAILED",
} as const;

export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
