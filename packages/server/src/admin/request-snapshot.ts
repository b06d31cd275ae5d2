// The client side of the admin socket (./admin-socket.ts): asks a running single-node server for
// a snapshot of its database.
import { createConnection } from "node:net";
import { StorageError, StorageErrorCode } from "../adapters/sql/storage-error.js";
import { isSnapshotPathOf } from "../adapters/sql/sqlite-backup.js";
import { adminSocketPathOf } from "./admin-socket.js";

/**
 * Asks the server running on `databasePath` for a snapshot. Resolves with the snapshot's path (the
 * caller deletes it when done), or undefined when no server listens there. Rejects with
 * BACKUP_FAILED when the server answers with a failure or not within `timeoutMs`.
 */
export function requestSnapshot(databasePath: string, timeoutMs = 600_000): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(adminSocketPathOf(databasePath));
    let received = "";
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const fail = (message: string, cause?: unknown) =>
      finish(() => reject(new StorageError(StorageErrorCode.BackupFailed, `the running server did not write a snapshot: ${message}`, { cause })));
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify({ op: "snapshot" })}\n`));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // No socket file, or one left by a process that died: no server answers.
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") finish(() => resolve(undefined));
      else fail(error.message, error);
    });
    socket.on("data", (chunk: string) => {
      received += chunk;
      const end = received.indexOf("\n");
      if (end < 0) return;
      let answer: { ok?: unknown; path?: unknown; message?: unknown };
      try {
        answer = JSON.parse(received.slice(0, end)) as typeof answer;
      } catch (error) {
        return fail("a malformed answer", error);
      }
      if (answer.ok === true && typeof answer.path === "string") {
        const path = answer.path;
        // The caller reads and deletes this file: only a snapshot name beside the database will do.
        if (!isSnapshotPathOf(databasePath, path)) return fail("an unexpected snapshot path");
        return finish(() => resolve(path));
      }
      fail(typeof answer.message === "string" ? answer.message : "a malformed answer");
    });
    socket.on("close", () => fail("the connection closed without an answer"));
  });
}
