// The abuse defences' settings from the `rateLimits`, `security` and `connections` sections.
import { rateLimitNames, type RateLimitName, type RateLimitWindow } from "../security/rate-limits.js";
import { CidrList, CidrListError } from "../security/cidr-list.js";
import type { SecuritySettings } from "../security/security-settings.js";
import type { ParleyConfig } from "./config-schema.js";

export function securitySettingsOf(config: ParleyConfig): SecuritySettings {
  const { rateLimits, security, connections } = config;
  const limits = Object.fromEntries(rateLimitNames.map((name) => [name, rateLimits[name]])) as Record<RateLimitName, RateLimitWindow>;
  return {
    rateLimits: rateLimits.enabled ? { limits, authLockoutSeconds: rateLimits.authLockoutSeconds } : undefined,
    ipRules: { allow: security.allow, deny: security.deny, file: security.rulesFile, pollIntervalMs: security.rulesPollSeconds * 1000 },
    trustedProxies: security.trustedProxies,
    connections: {
      maxTotal: connections.maxTotal,
      listenBacklog: connections.listenBacklog,
      maxPerIp: connections.maxPerIp,
      maxPerAccount: connections.maxPerAccount,
      maxSendBufferBytes: connections.maxSendBufferBytes,
      maxPendingRequests: connections.maxPendingRequests,
      headersTimeoutMs: connections.headersTimeoutSeconds * 1000,
      requestTimeoutMs: connections.requestTimeoutSeconds * 1000,
      keepAliveTimeoutMs: connections.keepAliveSeconds * 1000,
      idleTimeoutMs: connections.idleSeconds * 1000,
      webSocketIdleMs: connections.webSocketIdleSeconds * 1000,
    },
  };
}

/** Address lists that do not parse, and timeouts that contradict each other. */
export function securityConfigProblems(config: ParleyConfig): string[] {
  const problems: string[] = [];
  for (const key of ["trustedProxies", "allow", "deny"] as const) {
    try {
      CidrList.parse(config.security[key]);
    } catch (error) {
      if (!(error instanceof CidrListError)) throw error;
      problems.push(`security.${key}: ${error.message}`);
    }
  }
  if (config.connections.headersTimeoutSeconds > config.connections.requestTimeoutSeconds) {
    problems.push("connections.headersTimeoutSeconds: must not exceed connections.requestTimeoutSeconds");
  }
  return problems;
}
