// The audit log: security events as JSON lines in a file of their own, without secrets, with
// bursts folded into counts, re-opened after rotation.
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { MemoryAuditLog, PinoAuditLog, ThrottledAuditLog } from "@parley/server";
import { registerAccount, startTestServer, tempDir, uniqueUsername, waitFor, type TempDir } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forwardedFor, httpFrom, testSecurity } from "./support/abuse-clients.js";

const linesOf = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("audit log", () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir("parley-audit-");
  });
  afterEach(() => dir.cleanup());

  it("writes failed logins and code failures as JSON lines, without passwords, codes, session ids or identifiers", async () => {
    const file = join(dir.path, "logs", "audit.jsonl");
    const audit = new PinoAuditLog(file);
    const security = { ...testSecurity({ limits: { authFailuresPerIp: { points: 1, seconds: 60 } } }), audit };
    const server = await startTestServer({ security });
    try {
      const alice = await registerAccount(server);
      const password = "correct-horse-battery-staple-0000";
      const attacker = forwardedFor("203.0.113.50");
      await httpFrom(server.url, "GET", "/v1/accounts/me", undefined, { ...attacker, credentials: { ...alice.credentials, password } });
      await httpFrom(server.url, "GET", "/v1/accounts/me", undefined, { ...attacker, credentials: { ...alice.credentials, password } });
      const username = uniqueUsername("secretname");
      const session = await httpFrom(server.url, "POST", "/v1/verification/sessions", { identifier: { kind: "username", value: username } }, attacker);
      const sessionId = (session.body as unknown as { sessionId: string }).sessionId;
      const code = server.codes.codeFor(username);
      const wrong = code === "999999" ? "999998" : "999999";
      await httpFrom(server.url, "PUT", `/v1/verification/sessions/${sessionId}/code`, { code: wrong }, attacker);
    } finally {
      await server.close();
    }
    const lines = linesOf(file);
    expect(lines.map((line) => line["event"])).toEqual(["auth_failed", "auth_failed", "auth_lockout", "code_failed"]);
    for (const line of lines) expect(line).toMatchObject({ log: "audit", level: "warn", ip: "203.0.113.50", time: expect.any(String) });
    expect(lines[0]).toMatchObject({ transport: "http", account: expect.any(String) });
    const text = readFileSync(file, "utf8");
    expect(text).not.toMatch(/correct-horse|secretname|999999|999998|authorization/i);
  });

  it("folds a burst of equal events into one line and a count", () => {
    const inner = new MemoryAuditLog();
    const audit = new ThrottledAuditLog(inner, 60_000);
    for (let i = 0; i < 100; i++) audit.record({ event: "rate_limited", ip: "203.0.113.1", limit: "sendsPerPair", retryAfterSeconds: 5 });
    audit.record({ event: "rate_limited", ip: "203.0.113.2", limit: "sendsPerPair", retryAfterSeconds: 5 });
    audit.record({ event: "ip_rules_reloaded", allow: 0, deny: 1 });
    audit.record({ event: "ip_rules_reloaded", allow: 0, deny: 2 });
    expect(inner.events.map((e) => e.event)).toEqual(["rate_limited", "rate_limited", "ip_rules_reloaded", "ip_rules_reloaded"]);
    audit.flush();
    expect(inner.events.at(-1)).toMatchObject({ event: "rate_limited", ip: "203.0.113.1", repeated: 99 });
    // The next window starts counting anew; a quiet key is forgotten after a window without events.
    audit.record({ event: "rate_limited", ip: "203.0.113.1", limit: "sendsPerPair", retryAfterSeconds: 5 });
    audit.flush();
    expect(inner.events.at(-1)).toMatchObject({ ip: "203.0.113.1", repeated: 1 });
    audit.flush();
    audit.record({ event: "rate_limited", ip: "203.0.113.1", limit: "sendsPerPair", retryAfterSeconds: 5 });
    expect(inner.events.at(-1)).toEqual({ event: "rate_limited", ip: "203.0.113.1", limit: "sendsPerPair", retryAfterSeconds: 5 });
    void audit.close();
  });

  it("re-opens its file after rotation", async () => {
    const file = join(dir.path, "audit.jsonl");
    const audit = new PinoAuditLog(file);
    audit.record({ event: "link_failed", ip: "192.0.2.1" });
    await waitFor(() => existsSync(file) && linesOf(file).length === 1, { what: "the first line" });
    renameSync(file, `${file}.1`);
    audit.reopen();
    audit.record({ event: "link_failed", ip: "192.0.2.2" });
    await audit.close();
    expect(linesOf(`${file}.1`).map((line) => line["ip"])).toEqual(["192.0.2.1"]);
    expect(linesOf(file).map((line) => line["ip"])).toEqual(["192.0.2.2"]);
  });
});
