// The relay benchmark against a cluster (`--cluster N`): N server processes in cluster mode on a
// fresh PostgreSQL database and a NATS subject prefix of their own, behind nginx (the shipped
// deploy/nginx.conf). Offers what the benchmark asks of a single server: URL, CPU, memory, codes,
// queued envelopes, stop. CPU and memory are the nodes' sums; PostgreSQL, NATS and nginx are
// reported separately by the caller from the machine's CPU time.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { freePort } from "../../packages/testkit/src/nats-fixture.js";
import { NginxProcess } from "../../packages/testkit/src/nginx-process.js";
import { createTestDatabase, type TestDatabase } from "../../packages/testkit/src/postgres-fixture.js";
import type { DeviceRef } from "./ipc.js";
import type { Memory } from "./proc-stats.js";
import { ServerProcess } from "./server-process.js";

export const postgresAdminUrl = process.env["PARLEY_BENCH_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
export const natsUrl = process.env["PARLEY_BENCH_NATS_URL"] ?? "nats://127.0.0.1:4222";

export class ClusterTarget {
  private constructor(
    readonly nodes: readonly ServerProcess[],
    private readonly nginx: NginxProcess,
    private readonly database: TestDatabase,
  ) {}

  static async start(options: { nodes: number; dataDir: string; overrides: readonly string[]; cpus: string | undefined }): Promise<ClusterTarget> {
    const database = await createTestDatabase(postgresAdminUrl, "parley_bench");
    const prefix = `bench${randomBytes(4).toString("hex")}`;
    const nodes: ServerProcess[] = [];
    try {
      for (let i = 0; i < options.nodes; i++) {
        nodes.push(
          await ServerProcess.start({
            cpus: options.cpus,
            overrides: [
              "mode=cluster",
              `cluster.postgresUrl=${database.url}`,
              `cluster.natsServers=${natsUrl}`,
              `cluster.natsPrefix=${prefix}`,
              `cluster.nodeName=node-${i + 1}`,
              "server.port=0",
              ...options.overrides,
            ],
          }),
        );
      }
      const ports = nodes.map((node) => Number(new URL(node.url).port));
      const nginx = await NginxProcess.start(join(options.dataDir, "nginx"), await freePort(), ports);
      return new ClusterTarget(nodes, nginx, database);
    } catch (error) {
      for (const node of nodes) node.kill();
      await database.drop().catch(() => undefined);
      throw error;
    }
  }

  /** nginx's URL: where the devices connect. */
  get url(): string {
    return this.nginx.url;
  }

  get pid(): number {
    return this.nodes[0]!.pid;
  }

  cpuMicros(): number {
    return this.nodes.reduce((sum, node) => sum + node.cpuMicros(), 0);
  }

  memory(): Memory {
    const memories = this.nodes.map((node) => node.memory());
    return { rssKb: memories.reduce((s, m) => s + m.rssKb, 0), peakRssKb: memories.reduce((s, m) => s + m.peakRssKb, 0) };
  }

  /** The code whichever node handled the request reported. */
  codeFor(identifier: string): Promise<string> {
    return Promise.race(this.nodes.map((node) => node.codeFor(identifier)));
  }

  async gc(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.gc()));
  }

  startProfile(): Promise<void> {
    return this.nodes[0]!.startProfile();
  }

  stopProfile(path: string): Promise<void> {
    return this.nodes[0]!.stopProfile(path);
  }

  /** The store is shared: any node can count. */
  queued(devices: readonly DeviceRef[]): Promise<number> {
    return this.nodes[0]!.queued(devices);
  }

  async stop(): Promise<void> {
    await this.nginx.stop();
    await Promise.all(this.nodes.map((node) => node.stop()));
    await this.database.drop();
  }

  kill(): void {
    for (const node of this.nodes) node.kill();
  }
}
