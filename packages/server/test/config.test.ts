import { writeFileSync } from "node:fs";
import { ConfigError, configKeys, loadConfig, redactedConfig, renderConfig } from "@parley/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "@parley/testkit";

describe("configuration", () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.cleanup());

  it("starts from the documented defaults", () => {
    const config = loadConfig();
    expect(config.mode).toBe("single");
    expect(config.server).toEqual({ host: "127.0.0.1", port: 8080, dataDir: "./data", metrics: true, tlsCertFile: "", tlsKeyFile: "", hstsMaxAgeSeconds: 63_072_000 });
    expect(config.storage.synchronous).toBe("full");
    expect(config.storage.commitIntervalMs).toBe(2);
    expect(config.limits.maxEnvelopeBytes).toBe(256 * 1024);
    expect(config.limits.maxDevicesPerAccount).toBe(5);
    expect(config.retention.envelopeDays).toBe(30);
    expect(config.verification).toMatchObject({ codeTtlSeconds: 600, maxAttempts: 5 });
  });

  it("parses the sample it writes, with the same values", () => {
    const file = `${dir.path}/parley.toml`;
    writeFileSync(file, renderConfig(loadConfig(), { redactSecrets: false }));
    expect(loadConfig({ file })).toEqual(loadConfig());
  });

  it("applies file, then environment, then flags", () => {
    const file = `${dir.path}/parley.toml`;
    writeFileSync(file, "[server]\nport = 9000\nhost = \"0.0.0.0\"\n[limits]\nmaxDevicesPerAccount = 3\n");
    const config = loadConfig({
      file,
      env: { PARLEY_SERVER__PORT: "9100", PARLEY_LIMITS__MAX_DEVICES_PER_ACCOUNT: "4" },
      overrides: ["server.port=9200"],
    });
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.server.port).toBe(9200);
    expect(config.limits.maxDevicesPerAccount).toBe(4);
  });

  it("reports every problem at once", () => {
    const file = `${dir.path}/parley.toml`;
    writeFileSync(file, "[server]\nprot = 1\n");
    try {
      loadConfig({ file, env: { PARLEY_SERVER__PORT: "eighty" }, overrides: ["nope.key=1"] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.join("\n")).toMatch(/prot/);
      expect(problems.join("\n")).toMatch(/PARLEY_SERVER__PORT/);
      expect(problems.join("\n")).toMatch(/nope\.key/);
    }
  });

  it("refuses values outside their range", () => {
    expect(() => loadConfig({ overrides: ["limits.maxDevicesPerAccount=500"] })).toThrow(ConfigError);
    expect(() => loadConfig({ overrides: ["storage.synchronous=off"] })).toThrow(ConfigError);
    for (const interval of ["-1", "51", "1.5"]) {
      expect(() => loadConfig({ overrides: [`storage.commitIntervalMs=${interval}`] })).toThrow(/storage[./]commitIntervalMs/);
    }
    expect(loadConfig({ overrides: ["storage.commitIntervalMs=0"] }).storage.commitIntervalMs).toBe(0);
  });

  it("prints secrets as [REDACTED]", () => {
    const config = loadConfig({ overrides: ["verification.webhookSecret=hunter2"] });
    expect(redactedConfig(config).verification.webhookSecret).toBe("[REDACTED]");
    expect(renderConfig(config, { redactSecrets: true })).not.toContain("hunter2");
    expect(configKeys().filter((k) => k.secret).map((k) => k.path)).toEqual([
      "storage.encryptionKey",
      "cluster.postgresUrl",
      "cluster.redisUrl",
      "verification.webhookSecret",
    ]);
    const withRedis = loadConfig({ overrides: ["cluster.redisUrl=redis://parley:hunter2@redis:6379"] });
    expect(renderConfig(withRedis, { redactSecrets: true })).not.toContain("hunter2");
  });

  it("requires PostgreSQL and NATS in cluster mode, naming each missing key", () => {
    const error = (() => {
      try {
        loadConfig({ overrides: ["mode=cluster", "cluster.natsServers="] });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(["cluster.postgresUrl: required in cluster mode", "cluster.natsServers: required in cluster mode"]);
    const config = loadConfig({ env: { PARLEY_MODE: "cluster", PARLEY_CLUSTER__POSTGRES_URL: "postgres://db.example/parley" } });
    expect(config.cluster).toMatchObject({ postgresUrl: "postgres://db.example/parley", natsServers: "nats://127.0.0.1:4222", natsPrefix: "parley" });
    expect(redactedConfig(config).cluster.postgresUrl).toBe("[REDACTED]");
  });

  it("refuses a NATS subject prefix that is not a single plain token", () => {
    expect(() => loadConfig({ overrides: ["cluster.natsPrefix=a.b"] })).toThrow(ConfigError);
    expect(() => loadConfig({ overrides: ["cluster.natsPrefix=*"] })).toThrow(ConfigError);
  });
});
