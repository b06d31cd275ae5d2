// A whole cluster for one test file: a fresh PostgreSQL database, a NATS subject prefix of its
// own, N `parley serve` nodes in cluster mode, nginx in front of them, and a webhook receiver
// that collects every node's verification codes. close() ends every process and drops the
// database. The nodes are the built CLI (npx tsc -b first).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  ApiClient,
  createTestDatabase,
  NginxProcess,
  postgresTestUrl,
  tempDir,
  WebhookCodeReceiver,
  type RegistrationTarget,
  type TempDir,
  type TestDatabase,
} from "@parley/testkit";
import { assertBuilt, CliProcess, freePort } from "./processes.js";

export const postgresAdminUrl = postgresTestUrl();
export const natsUrl = process.env["PARLEY_TEST_NATS_URL"] ?? "nats://127.0.0.1:4222";

/** One node: `parley serve` in cluster mode on its own port. */
export class ClusterNode {
  #process: CliProcess | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  async start(): Promise<void> {
    this.#process = new CliProcess(["serve"], { ...this.env, PARLEY_SERVER__PORT: String(this.port), PARLEY_CLUSTER__NODE_NAME: this.name });
    await this.#process.waitFor(/"msg":"parley is listening"/, { timeoutMs: 30_000 });
  }

  /** kill -9: no draining, as in a crash. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child?.running) return;
    child.kill("SIGKILL");
    await child.exited;
  }

  /** SIGTERM: the graceful drain; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.#process;
    if (!child?.running) return null;
    child.kill("SIGTERM");
    return (await child.result(20_000)).code;
  }

  /** The node's log so far (JSON lines). */
  get log(): string {
    return `${this.#process?.stdout ?? ""}${this.#process?.stderr ?? ""}`;
  }
}

export class ClusterFixture implements RegistrationTarget {
  readonly api: ApiClient;

  private constructor(
    readonly nodes: readonly ClusterNode[],
    readonly nginx: NginxProcess,
    readonly codes: WebhookCodeReceiver,
    readonly database: TestDatabase,
    private readonly dir: TempDir,
  ) {
    this.api = new ApiClient(nginx.url);
  }

  /** The load balancer's URL: where clients connect. */
  get url(): string {
    return this.nginx.url;
  }

  /**
   * `options.postgresPort` and `options.natsUrl` let a test put a proxy or a private server
   * between the nodes and PostgreSQL or NATS (to cut them off); `options.env` adds config.
   */
  static async start(nodeCount: number, options: { env?: NodeJS.ProcessEnv; postgresPort?: number; natsUrl?: string } = {}): Promise<ClusterFixture> {
    assertBuilt();
    const dir = await tempDir("parley-cluster-");
    const cleanups: (() => Promise<unknown>)[] = [() => dir.cleanup()];
    try {
      const database = await createTestDatabase(postgresAdminUrl, "parley_cluster");
      cleanups.push(() => database.drop());
      const codes = await WebhookCodeReceiver.start();
      cleanups.push(() => codes.close());
      const url = new URL(database.url);
      if (options.postgresPort !== undefined) url.port = String(options.postgresPort);
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const name of Object.keys(env)) if (name.startsWith("PARLEY_")) delete env[name];
      Object.assign(env, {
        PARLEY_MODE: "cluster",
        PARLEY_CLUSTER__POSTGRES_URL: url.toString(),
        PARLEY_CLUSTER__NATS_SERVERS: options.natsUrl ?? natsUrl,
        PARLEY_CLUSTER__NATS_PREFIX: `t${randomBytes(5).toString("hex")}`,
        PARLEY_SERVER__DATA_DIR: join(dir.path, "data"),
        PARLEY_VERIFICATION__SENDER: "webhook",
        PARLEY_VERIFICATION__WEBHOOK_URL: codes.url,
        ...options.env,
      });
      const nodes: ClusterNode[] = [];
      for (let i = 0; i < nodeCount; i++) nodes.push(new ClusterNode(`node-${i + 1}`, await freePort(), env));
      cleanups.push(() => Promise.all(nodes.map((node) => node.kill())));
      // Started together: migrations must be safe when several nodes start at once.
      await Promise.all(nodes.map((node) => node.start()));
      const nginx = await NginxProcess.start(join(dir.path, "nginx"), await freePort(), nodes.map((node) => node.port));
      return new ClusterFixture(nodes, nginx, codes, database, dir);
    } catch (error) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.nginx.stop().catch(() => undefined);
    await Promise.all(this.nodes.map((node) => node.kill()));
    await this.codes.close();
    await this.database.drop().catch(() => undefined);
    await this.dir.cleanup();
  }
}
