// One test's world: a `parley serve` process on its own data directory and port, and client
// profiles under a client data directory beside it, all removed by close().
import { join } from "node:path";
import { tempDir, waitFor, type TempDir } from "@parley/testkit";
import { assertBuilt, CliProcess, freePort, ServerProcess } from "./processes.js";

export const passphrase = "correct horse battery staple";

/** The environment of client commands: the passphrase, small prekey batches, nothing else of ours. */
export function clientEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("PARLEY_")) delete env[name];
  return { ...env, PARLEY_PASSPHRASE: passphrase, PARLEY_PREKEY_BATCH: "5", ...extra };
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly timeoutMs?: number;
}

export class ParleyFixture {
  readonly #processes: CliProcess[] = [];

  private constructor(
    readonly dir: TempDir,
    public server: ServerProcess,
  ) {}

  static async start(): Promise<ParleyFixture> {
    assertBuilt();
    const dir = await tempDir("parley-cli-");
    try {
      return new ParleyFixture(dir, await ServerProcess.start(join(dir.path, "server"), await freePort()));
    } catch (error) {
      await dir.cleanup();
      throw error;
    }
  }

  get clientData(): string {
    return join(this.dir.path, "clients");
  }

  /** Starts `parley --data <clients> --profile <profile> ...args`. */
  spawn(profile: string, args: readonly string[], env: NodeJS.ProcessEnv = clientEnv()): CliProcess {
    const child = new CliProcess(["--data", this.clientData, "--profile", profile, ...args], env);
    this.#processes.push(child);
    return child;
  }

  /** Runs a client command to its end. */
  async run(profile: string, args: readonly string[], options: RunOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = this.spawn(profile, args, options.env);
    if (options.input !== undefined) child.write(options.input);
    child.endInput();
    return child.result(options.timeoutMs);
  }

  /** Runs a client command that must succeed; returns its stdout. */
  async ok(profile: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(profile, args, options);
    if (result.code !== 0) throw new Error(`parley ${args.join(" ")} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  /**
   * `parley register --username <username>` answering the code prompt on stdin with the code the
   * server logged for this registration. Returns the account id.
   */
  async register(profile: string, username: string): Promise<string> {
    const known = this.server.codes(username).length;
    const child = this.spawn(profile, ["register", "--server", this.server.url, "--username", username, "--json"]);
    await waitFor(() => this.server.codes(username).length > known, { timeoutMs: 15_000, what: `a verification code for ${username}` });
    child.write(`${this.server.codes(username).at(-1)}\n`);
    const { code, stdout, stderr } = await child.result();
    if (code !== 0) throw new Error(`registering ${username} failed (${code}):\n${stderr}`);
    return (JSON.parse(stdout) as { accountId: string }).accountId;
  }

  /** Starts the server again on the same port and data directory (after stop or kill). */
  async restartServer(): Promise<void> {
    this.server = await ServerProcess.start(this.server.dataDir, this.server.port);
  }

  async close(): Promise<void> {
    for (const child of this.#processes) child.kill();
    await Promise.all(this.#processes.map((child) => child.exited));
    await this.server.kill();
    await this.dir.cleanup();
  }
}
