// IP allow and deny lists (IPv4 and IPv6, CIDR), X-Forwarded-For believed from trusted proxies
// only, and the rules file reloaded without a restart.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloseCode, ErrorCode } from "@parley/protocol";
import { registerAccount, startTestServer, tempDir, TestSocket, waitFor, type TempDir, type TestServer } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CidrList, CidrListError, parseAddress } from "../src/security/cidr-list.js";
import { ClientAddressResolver } from "../src/security/client-address.js";
import { IpRules, IpRulesFileError, parseIpRules } from "../src/security/ip-rules.js";
import { forwardedFor, httpFrom, testSecurity, upgradeFrom, type SecurityTestOptions } from "./support/abuse-clients.js";

const allows = (rules: IpRules, ip: string) => rules.allows(parseAddress(ip));

describe("address ranges and rules", () => {
  it("parses IPv4 and IPv6 ranges and bare addresses, naming every bad entry", () => {
    const list = CidrList.parse("192.0.2.0/24, 2001:db8::/32\n198.51.100.7 ::1");
    expect(list.size).toBe(4);
    expect(list.contains(parseAddress("192.0.2.200")!)).toBe(true);
    expect(list.contains(parseAddress("2001:db8:ffff::1")!)).toBe(true);
    expect(list.contains(parseAddress("198.51.100.8")!)).toBe(false);
    // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
    expect(list.contains(parseAddress("::ffff:192.0.2.1")!)).toBe(true);
    expect(() => CidrList.parse("10.0.0.0/33, nonsense, 10.0.0.1")).toThrow(CidrListError);
    expect(() => CidrList.parse("10.0.0.0/33, nonsense")).toThrow(/"10.0.0.0\/33", "nonsense"/);
  });

  it("lets the most specific range decide, and allows only the allow list once it names anything", () => {
    const rules = parseIpRules("deny 10.0.0.0/8\nallow 10.1.2.3 # the build machine\ndeny 2001:db8::/32\nallow 2001:db8:1::/48\n");
    expect(allows(rules, "10.9.9.9")).toBe(false);
    expect(allows(rules, "10.1.2.3")).toBe(true);
    expect(allows(rules, "2001:db8:2::1")).toBe(false);
    expect(allows(rules, "2001:db8:1::1")).toBe(true);
    // The allow list is not empty: an address no range names is refused.
    expect(allows(rules, "192.0.2.1")).toBe(false);
    const denyOnly = parseIpRules("deny 192.0.2.0/24");
    expect(allows(denyOnly, "192.0.2.1")).toBe(false);
    expect(allows(denyOnly, "198.51.100.1")).toBe(true);
    expect(allows(IpRules.none, "192.0.2.1")).toBe(true);
    expect(() => parseIpRules("allow 10.0.0.0/8\nblock 10.0.0.1\ndeny 300.0.0.1")).toThrow(IpRulesFileError);
    expect(() => parseIpRules("allow 10.0.0.0/8\nblock 10.0.0.1\ndeny 300.0.0.1")).toThrow(/line 2.*line 3/);
  });

  it("believes X-Forwarded-For only from trusted proxies, reading it from the right", () => {
    const resolver = new ClientAddressResolver(CidrList.parse("10.0.0.0/8, ::1"));
    expect(resolver.resolve("192.0.2.1", "203.0.113.9").ip).toBe("192.0.2.1");
    expect(resolver.resolve("10.0.0.1", "203.0.113.9").ip).toBe("203.0.113.9");
    // A client's own entry in front of what the proxies appended changes nothing.
    expect(resolver.resolve("10.0.0.1", "198.51.100.66, 203.0.113.9, 10.0.0.2").ip).toBe("203.0.113.9");
    expect(resolver.resolve("10.0.0.1", ["198.51.100.66", "203.0.113.9:4711"]).ip).toBe("203.0.113.9");
    expect(resolver.resolve("::1", "[2001:db8::7]:4711").ip).toBe("2001:db8::7");
    // Garbage: the last proxy we trust is the client.
    expect(resolver.resolve("10.0.0.1", "not-an-address").ip).toBe("10.0.0.1");
    expect(resolver.resolve("::ffff:10.0.0.1", "203.0.113.9").ip).toBe("203.0.113.9");
    expect(resolver.resolve(undefined, "203.0.113.9").ip).toBe("unknown");
    // IPv6 clients are counted per /64.
    expect(resolver.resolve("2001:db8:1:2:3:4:5:6", undefined).key).toBe(resolver.resolve("2001:db8:1:2:ffff::1", undefined).key);
    expect(resolver.resolve("2001:db8:1:3::1", undefined).key).not.toBe(resolver.resolve("2001:db8:1:2::1", undefined).key);
  });
});

describe("IP rules on a server", () => {
  let server: TestServer | undefined;
  let dir: TempDir;
  const sockets: TestSocket[] = [];
  beforeEach(async () => {
    dir = await tempDir("parley-ip-rules-");
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
    await server?.close();
    server = undefined;
    await dir.cleanup();
  });
  const start = async (options: SecurityTestOptions, host?: string) => {
    const security = testSecurity(options);
    server = await startTestServer({ security, ...(host ? { host } : {}) });
    return { server, audit: security.audit };
  };

  it("refuses denied clients named by a trusted proxy, over HTTP and WebSocket upgrades, IPv4 and IPv6", async () => {
    const { server: s, audit } = await start({ ipRules: { deny: "203.0.113.0/24, 2001:db8::/32" } });
    const alice = await registerAccount(s);
    for (const ip of ["203.0.113.5", "2001:db8::5"]) {
      const refused = await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor(ip));
      expect(refused.status).toBe(403);
      expect(refused.body?.code).toBe(ErrorCode.AddressDenied);
      const upgrade = await upgradeFrom(s.url, "/v1/websocket", { ...forwardedFor(ip), credentials: alice.credentials });
      expect(upgrade).toMatchObject({ refused: { status: 403, body: { code: ErrorCode.AddressDenied } } });
    }
    expect((await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor("2001:db9::5"))).status).toBe(200);
    sockets.push(await TestSocket.connect(s.url, alice.credentials, { headers: forwardedFor("198.51.100.5").headers }));
    expect(audit.named("address_denied").map((e) => `${e.ip} ${e.at}`)).toEqual([
      "203.0.113.5 request",
      "203.0.113.5 upgrade",
      "2001:db8::5 request",
      "2001:db8::5 upgrade",
    ]);
  });

  it("ignores X-Forwarded-For from peers that are not trusted proxies", async () => {
    const { server: s } = await start({ trustedProxies: "", ipRules: { deny: "203.0.113.0/24, 127.0.0.2" } });
    // Naming a denied address does not get an honest peer refused...
    expect((await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor("203.0.113.5"))).status).toBe(200);
    // ...and naming an allowed one does not let a denied peer in.
    await expect(httpFrom(s.url, "GET", "/healthz", undefined, { localAddress: "127.0.0.2", ...forwardedFor("198.51.100.1") })).rejects.toThrow();
  });

  it("drops connections of a denied direct peer before reading a byte, and serves the others", async () => {
    const { server: s, audit } = await start({ ipRules: { deny: "127.0.0.2" } });
    await expect(httpFrom(s.url, "GET", "/healthz", undefined, { localAddress: "127.0.0.2" })).rejects.toThrow();
    expect(await upgradeFrom(s.url, "/v1/provisioning", { localAddress: "127.0.0.2" })).toHaveProperty("failed");
    expect((await httpFrom(s.url, "GET", "/healthz", undefined, { localAddress: "127.0.0.3" })).status).toBe(200);
    expect(audit.named("address_denied")[0]).toMatchObject({ ip: "127.0.0.2", at: "connection" });
  });

  it("admits only the allow list, over IPv4 and IPv6 on a dual-stack listener", async () => {
    const { server: s } = await start({ trustedProxies: "", ipRules: { allow: "127.0.0.0/8" } }, "::");
    const port = new URL(s.url).port;
    expect((await httpFrom(`http://127.0.0.1:${port}`, "GET", "/healthz")).status).toBe(200);
    await expect(httpFrom(`http://[::1]:${port}`, "GET", "/healthz")).rejects.toThrow();
  });

  it("reloads the rules file when it changes, closing sockets of addresses it now refuses", async () => {
    const file = join(dir.path, "rules.txt");
    writeFileSync(file, "deny 203.0.113.0/24\n");
    const { server: s, audit } = await start({ ipRules: { file, pollIntervalMs: 20 } });
    const alice = await registerAccount(s);
    const status = async (ip: string) => (await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor(ip))).status;
    expect(await status("203.0.113.5")).toBe(403);
    expect(await status("198.51.100.5")).toBe(200);
    const socket = await TestSocket.connect(s.url, alice.credentials, { headers: forwardedFor("198.51.100.5").headers });
    sockets.push(socket);

    writeFileSync(file, "# the other network now\ndeny 198.51.100.0/24\n");
    await waitFor(async () => (await status("198.51.100.5")) === 403, { what: "the new rules" });
    expect(await status("203.0.113.5")).toBe(200);
    expect((await socket.closed).code).toBe(CloseCode.PolicyViolation);
    expect(audit.named("ip_rules_reloaded").at(-1)).toEqual({ event: "ip_rules_reloaded", allow: 0, deny: 1 });
    expect(audit.named("address_denied").map((e) => e.at)).toContain("reload");

    // A broken file leaves the rules in force.
    writeFileSync(file, "deny 198.51.100.0/24\nallow everything\n");
    await waitFor(() => audit.named("ip_rules_reload_failed").length > 0, { what: "the failed reload" });
    expect(await status("198.51.100.5")).toBe(403);
    await expect(s.server.reloadSecurity()).rejects.toThrow(/line 2/);
  });

  it("reloads the rules file on request (SIGHUP) when it is not polled", async () => {
    const file = join(dir.path, "rules.txt");
    writeFileSync(file, "");
    const { server: s } = await start({ ipRules: { file, pollIntervalMs: 0, deny: "192.0.2.0/24" } });
    const status = async (ip: string) => (await httpFrom(s.url, "GET", "/healthz", undefined, forwardedFor(ip))).status;
    writeFileSync(file, "deny 2001:db8::/32\n");
    expect(await status("2001:db8::1")).toBe(200);
    await s.server.reloadSecurity();
    expect(await status("2001:db8::1")).toBe(403);
    // The configured lists stay in force next to the file's.
    expect(await status("192.0.2.1")).toBe(403);
    expect(await status("198.51.100.1")).toBe(200);
  });

  it("refuses to start with a rules file that does not parse", async () => {
    const file = join(dir.path, "rules.txt");
    writeFileSync(file, "deny 10.0.0.0/40\n");
    await expect(start({ ipRules: { file } })).rejects.toThrow(IpRulesFileError);
  });
});
