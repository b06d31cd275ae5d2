// Shared by the tests of the cluster rate-limit stores (PostgreSQL, Redis).
import type { ClientAddress } from "../../src/security/client-address.js";
import { rateLimitNames, type RateLimitName, type RateLimitWindow } from "../../src/security/rate-limits.js";

export const client: ClientAddress = { ip: "203.0.113.1", key: "203.0.113.1", address: undefined };

/** A check as a promise, whether the limiter answered at once or not. */
export const attempt = (check: () => void | Promise<void>) => Promise.resolve().then(check);

/** Rate-limit settings with only `limits` on. */
export function settingsWith(limits: Partial<Record<RateLimitName, RateLimitWindow>>) {
  return {
    limits: Object.fromEntries(rateLimitNames.map((name) => [name, limits[name] ?? { points: 0, seconds: 60 }])) as Record<RateLimitName, RateLimitWindow>,
    authLockoutSeconds: 600,
  };
}
