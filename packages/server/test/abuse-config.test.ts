// The configuration of the abuse defences: its defaults are the documented ones, every limit can
// be set from a file, the environment or a flag, and bad address lists are reported with the rest.
import { ConfigError, configKeys, defaultSecuritySettings, loadConfig, securitySettingsOf } from "@parley/server";
import { describe, expect, it } from "vitest";

describe("abuse defence configuration", () => {
  it("defaults to the settings the server uses without configuration", () => {
    expect(securitySettingsOf(loadConfig())).toEqual(defaultSecuritySettings);
  });

  it("sets each limit's points and window from the environment and flags", () => {
    const keys = configKeys().map((key) => key.env);
    expect(keys).toContain("PARLEY_RATE_LIMITS__SENDS_PER_PAIR__POINTS");
    expect(keys).toContain("PARLEY_CONNECTIONS__MAX_PER_IP");
    const config = loadConfig({
      env: { PARLEY_RATE_LIMITS__SENDS_PER_PAIR__POINTS: "7", PARLEY_SECURITY__TRUSTED_PROXIES: "10.0.0.0/8" },
      overrides: ["rateLimits.sendsPerPair.seconds=30", "connections.maxPerIp=9"],
    });
    const settings = securitySettingsOf(config);
    expect(settings.rateLimits?.limits.sendsPerPair).toEqual({ points: 7, seconds: 30 });
    expect(settings.trustedProxies).toBe("10.0.0.0/8");
    expect(settings.connections.maxPerIp).toBe(9);
    expect(securitySettingsOf(loadConfig({ overrides: ["rateLimits.enabled=false"] })).rateLimits).toBeUndefined();
  });

  it("reports bad address lists and contradicting timeouts together", () => {
    try {
      loadConfig({
        overrides: ["security.deny=10.0.0.0/8,10.0.0.300", "security.trustedProxies=proxy.internal", "connections.headersTimeoutSeconds=90"],
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).toMatch(/security\.deny: .*"10\.0\.0\.300"/);
      expect(problems).toMatch(/security\.trustedProxies: .*"proxy\.internal"/);
      expect(problems).toMatch(/connections\.headersTimeoutSeconds/);
    }
  });
});
