import { spawn, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "@parley/server";
import { tempDir, waitFor, type TempDir } from "@parley/testkit";

const cli = fileURLToPath(new URL("../dist/bin/parley.js", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the parley command", () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.cleanup());

  it("writes a sample configuration that loads", () => {
    execFileSync(process.execPath, [cli, "config", "init", "-o", `${dir.path}/parley.toml`]);
    expect(loadConfig({ file: `${dir.path}/parley.toml` })).toEqual(loadConfig());
    expect(() => execFileSync(process.execPath, [cli, "config", "init", "-o", `${dir.path}/parley.toml`], { stdio: "pipe" })).toThrow();
  });

  it("exits with status 2 and names the problem on a bad configuration", () => {
    try {
      execFileSync(process.execPath, [cli, "serve", "--port", "x"], { stdio: "pipe", cwd: dir.path });
      expect.unreachable();
    } catch (error) {
      const failure = error as { status: number; stderr: Buffer };
      expect(failure.status).toBe(2);
      expect(failure.stderr.toString()).toMatch(/server.port/);
    }
  });

  it("serves with zero configuration, prints the config on first start, and drains on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [cli, "serve", "--port", String(port)], { cwd: dir.path, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor(() => output.includes("parley is listening"), { timeoutMs: 15_000 });
      expect(output).toContain("First start");
      const health = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(health.status).toBe(200);
      expect(existsSync(`${dir.path}/data/parley.db`)).toBe(true);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output).toContain("stopped");
    expect(readFileSync(`${dir.path}/data/parley.db`).length).toBeGreaterThan(0);
  });
});
