// Asks a running single-node server, over its admin socket, for a snapshot of its database.
import { StorageError, StorageErrorCode } from "../adapters/sql/storage-error.js";
import { isSnapshotPathOf } from "../adapters/sql/sqlite-backup.js";
import { requestAdmin } from "./admin-request.js";

/**
 * Asks the server running on `databasePath` for a snapshot. Resolves with the snapshot's path (the
 * caller deletes it when done), or undefined when no server listens there. Rejects with
 * BACKUP_FAILED when the server answers with a failure or not within `timeoutMs`.
 */
export async function requestSnapshot(databasePath: string, timeoutMs = 600_000): Promise<string | undefined> {
  const fail = (message: string, cause?: unknown) =>
    new StorageError(StorageErrorCode.BackupFailed, `the running server did not write a snapshot: ${message}`, { cause });
  let answer: Record<string, unknown> | undefined;
  try {
    answer = await requestAdmin(databasePath, { op: "snapshot" }, timeoutMs);
  } catch (error) {
    throw fail((error as Error).message, error);
  }
  if (answer === undefined) return undefined;
  if (answer["ok"] === true && typeof answer["path"] === "string") {
    const path = answer["path"];
    // The caller reads and deletes this file: only a snapshot name beside the database will do.
    if (!isSnapshotPathOf(databasePath, path)) throw fail("an unexpected snapshot path");
    return path;
  }
  throw fail(typeof answer["message"] === "string" ? answer["message"] : "a malformed answer");
}
