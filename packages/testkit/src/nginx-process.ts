// nginx for cluster tests and benchmarks, from the Debian package, run as a child process with a
// temporary prefix: the shipped deploy/nginx.conf, with its upstream pointed at the given nodes
// and its listen port at the given one.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.js";

const nginxBin = process.env["PARLEY_NGINX_BIN"] ?? "/usr/sbin/nginx";
const shippedConfig = fileURLToPath(new URL("../../../deploy/nginx.conf", import.meta.url));

export function nginxAvailable(): boolean {
  return existsSync(nginxBin);
}

/** deploy/nginx.conf with the given listen port and upstream nodes. */
export function testNginxConfig(port: number, nodePorts: readonly number[], prefix: string): string {
  const shipped = readFileSync(shippedConfig, "utf8");
  const servers = nodePorts.map((p) => `    server 127.0.0.1:${p} max_fails=2 fail_timeout=5s;`).join("\n");
  const site = shipped
    .replace(/^\s*server 127\.0\.0\.1:\d+ .*\n/gm, "")
    .replace("upstream parley_nodes {\n", `upstream parley_nodes {\n${servers}\n`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`);
  if (!site.includes(`listen 127.0.0.1:${port};`) || !site.includes(servers)) throw new Error("deploy/nginx.conf no longer has the expected upstream and listen lines");
  return [
    "daemon off;",
    "worker_processes 1;",
    `pid ${join(prefix, "nginx.pid")};`,
    `error_log ${join(prefix, "error.log")} warn;`,
    "events { worker_connections 4096; }",
    "http {",
    "  access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `  ${kind}_temp_path ${join(prefix, kind)};`),
    site,
    "}",
  ].join("\n");
}

export class NginxProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly exited: Promise<void>,
  ) {}

  static async start(prefix: string, port: number, nodePorts: readonly number[]): Promise<NginxProcess> {
    mkdirSync(prefix, { recursive: true });
    const configPath = join(prefix, "nginx.conf");
    writeFileSync(configPath, testNginxConfig(port, nodePorts, prefix));
    const child = spawn(nginxBin, ["-p", prefix, "-c", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (gone) throw new Error(`nginx exited: ${stderr}`);
        return fetch(`${url}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
      },
      { timeoutMs: 10_000, intervalMs: 20, what: "nginx to answer" },
    );
    return new NginxProcess(child, url, exited);
  }

  /** Fast shutdown (SIGTERM), then waits for the exit. */
  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    await this.exited;
  }
}
