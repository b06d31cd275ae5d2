import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "@parley/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/load-config.js";
import { redactedConfig } from "../src/config/render-config.js";
import { storageKeyOf } from "../src/config/storage-key.js";
import { tlsSettingsOf } from "../src/config/tls-settings.js";

const problemsOf = (overrides: string[]) => {
  try {
    loadConfig({ overrides });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe("TLS and storage-key configuration", () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.cleanup());

  it("takes both TLS files or neither", () => {
    expect(problemsOf(["server.tlsCertFile=/etc/parley/cert.pem"])).toEqual([
      "server.tlsCertFile and server.tlsKeyFile: set both (HTTPS) or neither (plain HTTP)",
    ]);
    expect(tlsSettingsOf(loadConfig())).toBeUndefined();
    const tls = tlsSettingsOf(loadConfig({ overrides: ["server.tlsCertFile=a.pem", "server.tlsKeyFile=b.pem", "server.hstsMaxAgeSeconds=0"] }));
    expect(tls?.hstsMaxAgeSeconds).toBe(0);
  });

  it("takes the key or a key file, not both, and no key shorter than 16 characters", () => {
    expect(problemsOf(["storage.encryptionKey=0123456789abcdef", "storage.encryptionKeyFile=/etc/parley/key"])).toEqual([
      "storage.encryptionKey and storage.encryptionKeyFile: set one of them, not both",
    ]);
    expect(problemsOf(["storage.encryptionKey=short"])).toEqual(["storage.encryptionKey: must be at least 16 characters"]);
    expect(storageKeyOf(loadConfig())).toBeUndefined();
    expect(storageKeyOf(loadConfig({ overrides: ["storage.encryptionKey=0123456789abcdef"] }))).toBe("0123456789abcdef");
  });

  it("reads the first line of the key file, and names an unusable one without quoting it", () => {
    const file = join(dir.path, "storage.key");
    writeFileSync(file, "first line is the key\r\nsecond line is not\n");
    expect(storageKeyOf(loadConfig({ overrides: [`storage.encryptionKeyFile=${file}`] }))).toBe("first line is the key");
    writeFileSync(file, "tooshort\n");
    expect(() => storageKeyOf(loadConfig({ overrides: [`storage.encryptionKeyFile=${file}`] }))).toThrow(
      expect.objectContaining({ code: "STORAGE_KEY_INVALID", message: expect.not.stringContaining("tooshort") }),
    );
    const missing = join(dir.path, "missing.key");
    expect(() => storageKeyOf(loadConfig({ overrides: [`storage.encryptionKeyFile=${missing}`] }))).toThrow(
      expect.objectContaining({ code: "STORAGE_KEY_INVALID", message: expect.stringContaining(`${missing}: ENOENT`) }),
    );
  });

  it("redacts the storage key", () => {
    const config = loadConfig({ overrides: ["storage.encryptionKey=a secret storage key"] });
    expect(redactedConfig(config).storage.encryptionKey).toBe("[REDACTED]");
  });
});
