// `parley serve` with an IP rules file: SIGHUP re-reads it without a restart, and the refusals go
// to the audit log file as JSON lines.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor, type TempDir } from "@parley/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, freePort, ServerProcess } from "./support/processes.js";

describe("parley serve with IP rules", { timeout: 60_000 }, () => {
  let dir: TempDir;
  let server: ServerProcess | undefined;
  let rulesFile: string;
  let auditFile: string;
  const status = async (client: string) => (await fetch(`${server!.url}/healthz`, { headers: { "x-forwarded-for": client } })).status;

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir("parley-serve-ip-rules-");
    rulesFile = join(dir.path, "ip-rules.txt");
    auditFile = join(dir.path, "audit", "audit.jsonl");
    writeFileSync(rulesFile, "deny 203.0.113.0/24\n");
    server = await ServerProcess.start(join(dir.path, "data"), await freePort(), {
      env: {
        PARLEY_SECURITY__RULES_FILE: rulesFile,
        // Only SIGHUP reloads, so the test shows that it does.
        PARLEY_SECURITY__RULES_POLL_SECONDS: "0",
        PARLEY_SECURITY__AUDIT_LOG: auditFile,
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await dir?.cleanup();
  });

  it("refuses a denied client behind the local proxy and serves the others", async () => {
    expect(await status("203.0.113.9")).toBe(403);
    expect(await status("198.51.100.9")).toBe(200);
  });

  it("re-reads the rules file on SIGHUP", async () => {
    writeFileSync(rulesFile, "deny 198.51.100.0/24\n");
    expect(await status("198.51.100.9")).toBe(200);
    server!.signal("SIGHUP");
    await server!.waitForLog(/"msg":"ip rules reloaded"/);
    expect(await status("198.51.100.9")).toBe(403);
    expect(await status("203.0.113.9")).toBe(200);
  });

  it("writes the refusals to the audit log file", async () => {
    const lines = () =>
      existsSync(auditFile)
        ? readFileSync(auditFile, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as { event: string; ip?: string; at?: string; log?: string })
        : [];
    await waitFor(() => lines().filter((line) => line.event === "address_denied").length >= 2, { what: "two audit lines" });
    expect(lines().filter((line) => line.event === "address_denied").map((line) => line.ip)).toEqual(["203.0.113.9", "198.51.100.9"]);
    expect(lines().some((line) => line.event === "ip_rules_reloaded")).toBe(true);
    expect(lines().every((line) => line.log === "audit")).toBe(true);
  });
});
