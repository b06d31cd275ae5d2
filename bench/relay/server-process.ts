// The parent's handle on the benchmark server: spawns bench/relay/server-main.ts as its own
// process pinned with taskset, waits for its URL, collects the verification codes it reports, and
// runs requests (gc, profiles, mailbox counts, stop) over the IPC channel.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { asServerMessage, type DeviceRef, type ParentRequest } from "./ipc.js";
import { cpuMicros, memoryOf, type Memory } from "./proc-stats.js";

export interface ServerProcessOptions {
  /** taskset CPU list for the server, or undefined to leave it unpinned. */
  readonly cpus: string | undefined;
  /** Config overrides, "section.key=value". */
  readonly overrides: readonly string[];
}

/** A request without its id (Omit applied to each member of the union). */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;
type RequestBody = WithoutId<ParentRequest>;

const here = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Transpiles the server entry (and the IPC module it imports) to plain JavaScript under
 * node_modules/.cache, where `@parley/server` resolves to the built package. The server then runs
 * without a TypeScript loader, whose hooks thread would add some 30 MB to its RSS.
 */
function compileServerEntry(): string {
  const outDir = join(repoRoot, "node_modules", ".cache", "parley-bench-relay");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "package.json"), JSON.stringify({ type: "module" }));
  for (const name of ["server-main", "ipc"]) {
    const source = readFileSync(join(here, `${name}.ts`), "utf8");
    const { outputText } = ts.transpileModule(source, {
      fileName: `${name}.ts`,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    writeFileSync(join(outDir, `${name}.js`), outputText);
  }
  return join(outDir, "server-main.js");
}

/**
 * The V8 flags `npm start` gives the server (package.json): a larger young generation, so the
 * short-lived objects of each message die in fewer, cheaper scavenges.
 */
const serverNodeFlags = ["--max-semi-space-size=64"];

export class ServerProcess {
  private nextId = 1;
  private readonly answers = new Map<number, { resolve: (value: number) => void; reject: (error: Error) => void }>();
  private readonly codes = new Map<string, string>();
  private readonly codeWaiters = new Map<string, (code: string) => void>();
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    child.on("message", (raw) => {
      const message = asServerMessage(raw);
      if (message?.type === "code") this.codeArrived(message.identifier, message.code);
      else if (message?.type === "answer") this.settle(message.id, (p) => p.resolve(message.value));
      else if (message?.type === "failed") this.settle(message.id, (p) => p.reject(new Error(message.message)));
    });
    void this.exited.then((code) => {
      for (const pending of this.answers.values()) pending.reject(new Error(`the server exited (${code})`));
      this.answers.clear();
    });
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const command = [process.execPath, "--expose-gc", ...serverNodeFlags, compileServerEntry(), ...options.overrides];
    // taskset execs the command, so the child's pid is the server's.
    const [file, ...args] = options.cpus === undefined ? command : ["taskset", "-c", options.cpus, ...command];
    const child = spawn(file!, args, { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const url = await new Promise<string>((resolve, reject) => {
      child.on("message", (raw) => {
        const message = asServerMessage(raw);
        if (message?.type === "listening") resolve(message.url);
      });
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the server exited before listening (exit code ${code})`)));
    });
    return new ServerProcess(child, url);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** CPU time the server has used so far (all threads), in microseconds. */
  cpuMicros(): number {
    return cpuMicros(this.pid);
  }

  memory(): Memory {
    return memoryOf(this.pid);
  }

  /** The code the server "sent" to `identifier`, once it has reported it. */
  codeFor(identifier: string): Promise<string> {
    const code = this.codes.get(identifier);
    if (code !== undefined) {
      this.codes.delete(identifier);
      return Promise.resolve(code);
    }
    return new Promise((resolve) => this.codeWaiters.set(identifier, resolve));
  }

  async gc(): Promise<void> {
    await this.request({ op: "gc" });
  }

  /** Starts a CPU profile of the server's main thread (V8 inspector, in the server process). */
  async startProfile(): Promise<void> {
    await this.request({ op: "profile-start" });
  }

  /** Stops the profile and has the server write it to `path` (open it in Chrome DevTools). */
  async stopProfile(path: string): Promise<void> {
    await this.request({ op: "profile-stop", path });
  }

  /** Starts recording the server's event-loop delay. */
  async startLoopDelay(): Promise<void> {
    await this.request({ op: "loop-delay-start" });
  }

  /** Stops recording; resolves with the p99 event-loop delay since the start, in ms. */
  stopLoopDelay(): Promise<number> {
    return this.request({ op: "loop-delay-stop" });
  }

  /** Envelopes still queued for `devices`. */
  queued(devices: readonly DeviceRef[]): Promise<number> {
    return this.request({ op: "count", devices });
  }

  /** Graceful stop; resolves when the process has exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) await this.request({ op: "stop" }).catch(() => undefined);
    await this.exited;
  }

  /** Ends the process at once (used on failure paths). */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  private request(body: RequestBody): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.answers.set(id, { resolve, reject });
      this.child.send({ ...body, id });
    });
  }

  private settle(id: number, action: (pending: { resolve: (value: number) => void; reject: (error: Error) => void }) => void): void {
    const pending = this.answers.get(id);
    if (!pending) return;
    this.answers.delete(id);
    action(pending);
  }

  private codeArrived(identifier: string, code: string): void {
    const waiter = this.codeWaiters.get(identifier);
    if (waiter) {
      this.codeWaiters.delete(identifier);
      waiter(code);
    } else {
      this.codes.set(identifier, code);
    }
  }
}
