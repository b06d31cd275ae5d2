// For the tests of the encrypted database, backups and restores: a temporary directory with key
// files, `parley serve` processes on data directories in it, the database commands run as child
// processes (so a wrong key never opens a database inside the test process), and registration
// and sends through the API of a server process.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiClient, registerAccount, tempDir, waitFor, type RegisteredDevice, type RegistrationTarget, type TempDir } from "@parley/testkit";
import { assertBuilt, CliProcess, freePort, ServerProcess } from "./processes.js";

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class StorageFixture {
  readonly #servers: ServerProcess[] = [];

  private constructor(readonly dir: TempDir) {}

  static async create(): Promise<StorageFixture> {
    assertBuilt();
    return new StorageFixture(await tempDir("parley-storage-"));
  }

  /** Writes `key` to a file in the fixture's directory; returns its path. */
  keyFile(name: string, key: string): string {
    const path = join(this.dir.path, `${name}.key`);
    writeFileSync(path, `${key}\n`, { mode: 0o600 });
    return path;
  }

  dataDir(name: string): string {
    return join(this.dir.path, name);
  }

  /** The environment that makes `keyFile` the storage key (none without one). */
  static keyEnv(keyFile: string | undefined): NodeJS.ProcessEnv {
    return keyFile === undefined ? {} : { PARLEY_STORAGE__ENCRYPTION_KEY_FILE: keyFile };
  }

  /** `parley serve` on `dataDir`, encrypted under `keyFile`'s key when given, with `env` added. */
  async serve(dataDir: string, keyFile?: string, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
    const server = await ServerProcess.start(dataDir, await freePort(), { env: { ...StorageFixture.keyEnv(keyFile), ...env } });
    this.#servers.push(server);
    return server;
  }

  /** Runs `parley <args>` to its end with only `env`'s PARLEY_* variables. */
  async run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
    const clean = { ...process.env };
    for (const name of Object.keys(clean)) if (name.startsWith("PARLEY_")) delete clean[name];
    const child = new CliProcess(args, { ...clean, ...env });
    child.endInput();
    return child.result(60_000);
  }

  async close(): Promise<void> {
    await Promise.all(this.#servers.map((server) => server.kill()));
    await this.dir.cleanup();
  }
}

/** Registration against a server process, reading the codes from its log. */
export function registrationTarget(server: ServerProcess): RegistrationTarget {
  return {
    api: new ApiClient(server.url),
    codes: {
      codeFor: async (identifier: string) => {
        await waitFor(() => server.codes(identifier).length > 0, { timeoutMs: 10_000, what: `a code for ${identifier}` });
        return server.codes(identifier).at(-1)!;
      },
    },
  };
}

export async function register(server: ServerProcess, username: string): Promise<RegisteredDevice> {
  return registerAccount(registrationTarget(server), { kind: "username", value: username });
}

/** One envelope from `from` to `to`'s first device, carrying `text`; resolves with the status. */
export async function send(server: ServerProcess, from: RegisteredDevice, to: RegisteredDevice, text: string): Promise<number> {
  const response = await new ApiClient(server.url, from.credentials).put(`/v1/messages/${to.credentials.accountId}`, {
    timestamp: Date.now(),
    messages: [{ deviceId: 1, registrationId: to.keys.registrationId, type: 1, content: Buffer.from(text).toString("base64") }],
  });
  return response.status;
}

/** SHA-256 of the files of the database at `path` (the file, its log), to show nothing changed. */
export function databaseDigest(path: string): string {
  const hash = createHash("sha256");
  for (const file of [path, `${path}-wal`, `${path}-shm`]) hash.update(existsSync(file) ? readFileSync(file) : Buffer.from(`no ${file}`));
  return hash.digest("hex");
}
