// Real processes for the terminal client's tests: `parley serve` on a temporary data directory
// and a free port, and `parley` client commands run against it, each a child process of the
// built CLI (dist/: `npx tsc -b` first). Every wait has a deadline; every process a test starts
// is ended by the fixture that started it.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@parley/testkit";

const cliRoot = fileURLToPath(new URL("../..", import.meta.url));
export const cliPath = join(cliRoot, "dist", "bin", "parley.js");

/** Fails early, and clearly, when dist/ is missing or older than src/. */
export function assertBuilt(): void {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: build first (npx tsc -b tsconfig.json)`);
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) {
        const built = path.replace(join(cliRoot, "src"), join(cliRoot, "dist")).replace(/\.ts$/, ".js");
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) stale.push(path);
      }
    }
  };
  walk(join(cliRoot, "src"));
  if (stale.length > 0) throw new Error(`the CLI build is older than ${stale[0]}: rebuild first (npx tsc -b tsconfig.json)`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A child process of the CLI with its output collected as it arrives. */
export class CliProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  readonly #child: ChildProcessWithoutNullStreams;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    this.#child = spawn(process.execPath, [cliPath, ...args], { env, stdio: "pipe" });
    this.#child.stdout.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.#child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    // A child that exits before reading its stdin must not fail the test with EPIPE.
    this.#child.stdin.on("error", () => undefined);
    this.exited = new Promise((resolve) =>
      this.#child.on("close", (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      }),
    );
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  write(text: string): void {
    this.#child.stdin.write(text);
  }

  endInput(): void {
    this.#child.stdin.end();
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Resolves with the first match of `pattern` in stdout (or stderr), once it has been printed. */
  async waitFor(pattern: RegExp, options: { stream?: "stdout" | "stderr"; timeoutMs?: number } = {}): Promise<RegExpMatchArray> {
    const stream = options.stream ?? "stdout";
    let match: RegExpMatchArray | null = null;
    try {
      await waitFor(
        () => {
          match = this[stream].match(pattern);
          if (match === null && !this.running) throw new Error(`parley exited (${JSON.stringify(this.#exit)}) without printing ${pattern} on ${stream}`);
          return match !== null;
        },
        { timeoutMs: options.timeoutMs ?? 15_000, intervalMs: 10, what: `${pattern} on ${stream}` },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`);
    }
    return match!;
  }

  /** Waits for the exit, with a deadline; the process is killed if it runs past it. */
  async result(timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`parley did not exit within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      const { code } = await Promise.race([this.exited, late]);
      return { code, stdout: this.stdout, stderr: this.stderr };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `parley serve` as a child process; its log (JSON lines on stdout) holds the verification codes. */
export class ServerProcess {
  readonly url: string;
  readonly #process: CliProcess;

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    env: NodeJS.ProcessEnv,
    tls: boolean,
  ) {
    this.url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
    this.#process = new CliProcess(["serve", "--port", String(port), "--data-dir", dataDir], env);
  }

  /**
   * Starts `parley serve` with no PARLEY_* variables but `options.env`'s; `options.tls` says the
   * configuration there serves HTTPS (for `url`).
   */
  static async start(dataDir: string, port: number, options: { env?: NodeJS.ProcessEnv; tls?: boolean } = {}): Promise<ServerProcess> {
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith("PARLEY_")) delete env[name];
    const server = new ServerProcess(dataDir, port, { ...env, ...options.env }, options.tls === true);
    await server.#process.waitFor(/"msg":"parley is listening"/);
    return server;
  }

  /** What the server printed on stdout (its JSON log) so far. */
  get log(): string {
    return this.#process.stdout;
  }

  /** Resolves once the log shows `pattern`. */
  async waitForLog(pattern: RegExp): Promise<void> {
    await this.#process.waitFor(pattern);
  }

  /** Sends `signal` (e.g. SIGHUP) without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    this.#process.kill(signal);
  }

  get running(): boolean {
    return this.#process.running;
  }

  /** Every code the development verification sender logged for `identifier`, oldest first. */
  codes(identifier: string): string[] {
    const codes: string[] = [];
    for (const line of this.#process.stdout.split("\n")) {
      if (!line.startsWith("{") || !line.includes('"verification"')) continue;
      const entry = JSON.parse(line) as { verification?: { identifier: string; code: string } };
      if (entry.verification?.identifier === identifier) codes.push(entry.verification.code);
    }
    return codes;
  }

  /** SIGTERM, then the exit of a drained server. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#process.kill("SIGTERM");
    const { code } = await this.#process.result(15_000);
    if (code !== 0) throw new Error(`the server exited with ${code}:\n${this.#process.stderr}`);
  }

  /** SIGKILL: no draining, as in a crash. Resolves once the process is gone. */
  async kill(): Promise<void> {
    this.#process.kill("SIGKILL");
    await this.#process.exited;
  }
}
