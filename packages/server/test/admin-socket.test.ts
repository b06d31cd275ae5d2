import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { tempDir, type TempDir } from "@parley/testkit";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores, type SqliteStores } from "../src/adapters/sql/index.js";
import { describeParleyDatabase, isSnapshotPathOf } from "../src/adapters/sql/sqlite-backup.js";
import { AdminSocket, adminSocketPathOf, type AdminOperations } from "../src/admin/admin-socket.js";
import { requestSnapshot } from "../src/admin/request-snapshot.js";

const logger = pino({ level: "silent" });

/** One raw request line and the answer line. */
function ask(socketPath: string, line: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath, () => socket.write(line));
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(JSON.parse(received)));
  });
}

describe("the admin socket", () => {
  let dir: TempDir;
  let database: string;
  let stores: SqliteStores | undefined;
  let admin: AdminSocket | undefined;

  beforeEach(async () => {
    dir = await tempDir("parley-admin-");
    database = join(dir.path, "parley.db");
  });
  afterEach(async () => {
    await admin?.close();
    await stores?.close();
    admin = undefined;
    stores = undefined;
    await dir.cleanup();
  });

  const listen = async (operations?: AdminOperations) => {
    stores = await openSqliteStores({ path: database, key: `x'${"11".repeat(32)}'`, exclusive: true });
    admin = await AdminSocket.listen(database, operations ?? stores, logger);
    expect(admin).toBeDefined();
  };

  it("answers a snapshot request with a copy of the database beside it, reachable only by its owner", async () => {
    await listen();
    expect(statSync(adminSocketPathOf(database)).mode & 0o777).toBe(0o600);
    const snapshot = await requestSnapshot(database);
    expect(snapshot !== undefined && isSnapshotPathOf(database, snapshot)).toBe(true);
    expect(describeParleyDatabase(snapshot!, `x'${"11".repeat(32)}'`)).toMatchObject({ accounts: 0, envelopes: 0 });
  });

  it("reports that no server runs when there is no socket", async () => {
    expect(await requestSnapshot(database)).toBeUndefined();
  });

  it("replaces a socket file left by a process that died, which clients take for no server", async () => {
    const path = adminSocketPathOf(database);
    const died = spawnSync(process.execPath, ["-e", "require('net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'))", path]);
    expect(died.signal).toBe("SIGKILL");
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(await requestSnapshot(database)).toBeUndefined();
    await listen();
    expect(await requestSnapshot(database)).toBeDefined();
  });

  it("refuses unknown operations and malformed requests, and removes its file on close", async () => {
    await listen();
    const path = adminSocketPathOf(database);
    expect(await ask(path, '{"op":"drop"}\n')).toEqual({ ok: false, message: "unknown operation" });
    expect(await ask(path, "not json\n")).toEqual({ ok: false, message: "the request is not JSON" });
    await admin!.close();
    admin = undefined;
    expect(existsSync(path)).toBe(false);
  });

  it("fails the request with BACKUP_FAILED when the server cannot write the snapshot", async () => {
    await listen({ snapshot: () => Promise.reject(new Error("disk full")) });
    await expect(requestSnapshot(database)).rejects.toMatchObject({ code: "BACKUP_FAILED", message: expect.stringContaining("disk full") });
  });
});
