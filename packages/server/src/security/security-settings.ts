// What the abuse defences are configured with; built from the `rateLimits`, `security` and
// `connections` configuration sections (config/to-security-settings.ts).
import type { RateLimitSettings } from "./rate-limits.js";

export interface ConnectionSettings {
  /** TCP connections open at once on this node (HTTP and WebSocket); 0: no cap. */
  readonly maxTotal: number;
  /**
   * Connections the kernel queues for accepting (capped by net.core.somaxconn): in a connection
   * flood a short queue overflows and honest connection attempts wait for a SYN retransmit (1 s).
   */
  readonly listenBacklog: number;
  /**
   * Connections from one client address (an IPv6 /64): TCP connections of untrusted direct peers,
   * and WebSockets by the client address trusted proxies name; 0: no cap.
   */
  readonly maxPerIp: number;
  /** WebSockets of one account, closing ones included; 0: no cap. */
  readonly maxPerAccount: number;
  /** A socket whose unsent data exceeds this is dropped (a client that does not read); bytes. */
  readonly maxSendBufferBytes: number;
  /** Requests of one WebSocket being handled at once; beyond it the socket is not read. */
  readonly maxPendingRequests: number;
  /** Time to receive a request's headers (ms). */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request, body included (ms). */
  readonly requestTimeoutMs: number;
  /** How long an idle HTTP keep-alive connection stays open (ms). */
  readonly keepAliveTimeoutMs: number;
  /** An HTTP connection on which nothing moves this long is closed (ms); 0: never. */
  readonly idleTimeoutMs: number;
  /** A WebSocket from which no frame arrives this long is closed with 4005 (ms); 0: never. */
  readonly webSocketIdleMs: number;
}

export interface IpRuleSettings {
  /** Ranges allowed (CIDR, comma-separated); when any is given, only they may connect. */
  readonly allow: string;
  /** Ranges refused (CIDR, comma-separated). */
  readonly deny: string;
  /** A rules file read in addition (see parseIpRules), re-read on change and on SIGHUP; "" for none. */
  readonly file: string;
  /** How often the rules file is checked for changes (ms); 0: only on SIGHUP. */
  readonly pollIntervalMs: number;
}

export interface SecuritySettings {
  /** Undefined: no rate limits. */
  readonly rateLimits: RateLimitSettings | undefined;
  readonly ipRules: IpRuleSettings;
  /** Peers whose X-Forwarded-For is believed (CIDR, comma-separated). */
  readonly trustedProxies: string;
  readonly connections: ConnectionSettings;
}

export const defaultConnectionSettings: ConnectionSettings = {
  maxTotal: 50_000,
  listenBacklog: 4096,
  maxPerIp: 500,
  maxPerAccount: 16,
  maxSendBufferBytes: 8 * 1024 * 1024,
  maxPendingRequests: 64,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  idleTimeoutMs: 30_000,
  webSocketIdleMs: 300_000,
};

export const defaultRateLimitSettings: RateLimitSettings = {
  limits: {
    httpRequestsPerIp: { points: 3000, seconds: 60 },
    verificationSessionsPerIp: { points: 30, seconds: 3600 },
    verificationSessionsPerIdentifier: { points: 3, seconds: 600 },
    codeAttemptsPerIp: { points: 60, seconds: 3600 },
    registrationsPerIp: { points: 30, seconds: 3600 },
    authFailuresPerIp: { points: 20, seconds: 300 },
    preKeyFetchesPerAccount: { points: 1000, seconds: 3600 },
    preKeyFetchesPerPair: { points: 20, seconds: 600 },
    sendsPerPair: { points: 120, seconds: 60 },
    bytesPerSender: { points: 128 * 1024 * 1024, seconds: 3600 },
    linkTokensPerAccount: { points: 6, seconds: 120 },
    linkAttemptsPerIp: { points: 10, seconds: 600 },
    factorChallengesPerIp: { points: 30, seconds: 600 },
    lookupsPerAccount: { points: 100, seconds: 900 },
    lookupsPerIp: { points: 300, seconds: 900 },
    oidcSignInsPerDevice: { points: 20, seconds: 600 },
  },
  authLockoutSeconds: 900,
};

export const defaultSecuritySettings: SecuritySettings = {
  rateLimits: defaultRateLimitSettings,
  ipRules: { allow: "", deny: "", file: "", pollIntervalMs: 2000 },
  trustedProxies: "127.0.0.0/8,::1/128",
  connections: defaultConnectionSettings,
};
