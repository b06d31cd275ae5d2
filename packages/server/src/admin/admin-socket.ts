// The local administration socket of a single-node server: a Unix domain socket beside the
// database (`<database>.admin.sock`, mode 0600). The server holds its SQLite file exclusively, so
// no other process can read the database while it runs; `parley backup` asks the running server,
// through this socket, for a consistent snapshot instead.
//
// Access control is the file system's: only the server's user can connect, and that user can read
// the data directory anyway. A request names no path: the server writes the snapshot beside the
// database under a random name, encrypted with the database's own key, and answers with that
// name; the caller encrypts it for the backup, moves it where it belongs and deletes it.
//
// Wire format: one JSON line each way per connection. Request {"op":"snapshot"}; answer
// {"ok":true,"path":"..."} or {"ok":false,"message":"..."}. `parley oidc ...` sends
// {"op":"oidc","request":{"action":...}} and gets {"ok":true,"result":...} or
// {"ok":false,"code":"...","message":"..."}.
import { chmod, lstat, rm, unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "pino";
import { snapshotPathOf } from "../adapters/sql/sqlite-backup.js";

/** Longest Unix socket path Linux and macOS accept (sun_path less its terminating NUL). */
const MAX_SOCKET_PATH = 103;
/** Longest request accepted, in bytes (a client registration with several redirect URIs fits). */
const MAX_REQUEST = 16 * 1024;

/** What the socket can ask of the server. */
export interface AdminOperations {
  /** Writes a consistent copy of the database to `target` (which does not exist yet). */
  snapshot(target: string): Promise<void>;
  /** Runs an OpenID Connect administration request (./oidc-admin-actions.ts); absent: not served. */
  oidcAdmin?(request: unknown): Promise<unknown>;
}

export function adminSocketPathOf(databasePath: string): string {
  return `${databasePath}.admin.sock`;
}

export class AdminSocket {
  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  /**
   * Listens at adminSocketPathOf(databasePath), replacing a socket file left by a process that
   * died (the caller holds the database exclusively, so no live server owns one). Resolves
   * undefined, after logging why, where no socket can be made (Windows, a path too long, a file
   * in the way): the server then runs without online backups.
   */
  static async listen(databasePath: string, operations: AdminOperations, logger: Logger): Promise<AdminSocket | undefined> {
    const path = adminSocketPathOf(databasePath);
    if (process.platform === "win32" || Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      logger.warn({ path }, "no admin socket here (Windows, or a path too long): `parley backup` needs the server stopped");
      return undefined;
    }
    const server = createServer((socket) => serve(socket, databasePath, operations, logger));
    try {
      await removeStaleSocket(path);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(path, () => {
          server.off("error", reject);
          resolve();
        });
      });
      await chmod(path, 0o600);
    } catch (error) {
      server.close();
      logger.warn({ err: error, path }, "cannot open the admin socket: `parley backup` needs the server stopped");
      return undefined;
    }
    return new AdminSocket(server, path);
  }

  /** Stops listening, waits for requests in progress, and removes the socket file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.path, { force: true });
  }
}

function serve(socket: Socket, databasePath: string, operations: AdminOperations, logger: Logger): void {
  let received = "";
  /** One request per connection: set once its line has arrived. */
  let handled = false;
  let answered = false;
  const answer = (body: object) => {
    if (answered) return;
    answered = true;
    socket.end(`${JSON.stringify(body)}\n`);
  };
  socket.setEncoding("utf8");
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: string) => {
    if (handled) return;
    received += chunk;
    const end = received.indexOf("\n");
    if (end < 0 && received.length <= MAX_REQUEST) return;
    handled = true;
    if (end < 0 || end > MAX_REQUEST) return answer({ ok: false, message: "request too long" });
    let request: unknown;
    try {
      request = JSON.parse(received.slice(0, end));
    } catch {
      return answer({ ok: false, message: "the request is not JSON" });
    }
    const op = (request as { op?: unknown } | null)?.op;
    if (op === "oidc" && operations.oidcAdmin) {
      operations.oidcAdmin((request as { request?: unknown }).request).then(
        (result) => answer({ ok: true, result }),
        (error: unknown) => answer({ ok: false, code: (error as { code?: unknown }).code, message: error instanceof Error ? error.message : String(error) }),
      );
      return;
    }
    if (op !== "snapshot") return answer({ ok: false, message: "unknown operation" });
    const target = snapshotPathOf(databasePath);
    operations.snapshot(target).then(
      async () => {
        // Nobody is left to copy and delete it: do not leave it behind.
        if (socket.destroyed) return void (await rm(target, { force: true }));
        logger.info({ path: target }, "snapshot written for a backup");
        answer({ ok: true, path: target });
      },
      async (error: unknown) => {
        logger.error({ err: error }, "snapshot for a backup failed");
        await rm(target, { force: true });
        answer({ ok: false, message: error instanceof Error ? error.message : String(error) });
      },
    ).catch((error: unknown) => logger.error({ err: error }, "cannot remove a snapshot nobody will copy"));
  });
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
