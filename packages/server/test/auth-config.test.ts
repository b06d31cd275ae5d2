import { writeFileSync } from "node:fs";
import { ConfigError, defaultAuthSettings, domainSettingsOf, loadConfig, renderConfig } from "@parley/server";
import { tempDir } from "@parley/testkit";
import { describe, expect, it } from "vitest";

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the auth configuration section", () => {
  it("defaults to the documented settings", () => {
    expect(domainSettingsOf(loadConfig()).auth).toEqual(defaultAuthSettings);
  });

  it("takes passkey origins as a comma-separated list from the environment", () => {
    const config = loadConfig({
      env: { PARLEY_AUTH__PASSKEYS__ORIGINS: "https://chat.example.org, https://web.example.org:8443", PARLEY_AUTH__PASSKEYS__RP_ID: "example.org" },
    });
    expect(domainSettingsOf(config).auth.passkeys).toEqual({
      rpId: "example.org",
      rpName: "Parley",
      origins: ["https://chat.example.org", "https://web.example.org:8443"],
    });
  });

  it("refuses a scrypt cost that is not a power of two, origins with paths and an RP id with a scheme", () => {
    const problems = problemsOf(() =>
      loadConfig({ overrides: ["auth.pinHashCost=30000", "auth.passkeys.origins=https://example.org/app", "auth.passkeys.rpId=https://example.org"] }),
    );
    expect(problems).toEqual([
      "auth.pinHashCost: must be a power of two",
      'auth.passkeys.origins: "https://example.org/app" is not an origin (scheme://host[:port], no path)',
      "auth.passkeys.rpId: a domain name, without scheme, port or path",
    ]);
  });

  it("is written into the sample configuration, which parses back", async () => {
    const dir = await tempDir();
    try {
      const sample = renderConfig(loadConfig(), { redactSecrets: false });
      expect(sample).toContain("[auth]");
      expect(sample).toContain("[auth.passkeys]");
      const file = `${dir.path}/parley.toml`;
      writeFileSync(file, sample);
      expect(loadConfig({ file })).toEqual(loadConfig());
    } finally {
      await dir.cleanup();
    }
  });
});
