// The configuration sections of the abuse defences: `rateLimits`, `security` (IP rules, trusted
// proxies, audit log) and `connections` (caps, timeouts, socket bounds). Part of ConfigSchema;
// defaults and their reasons are in docs/operations.md.
import Type from "typebox";

const integer = (def: number, description: string, minimum = 0, maximum = 1_000_000_000_000) =>
  Type.Integer({ default: def, minimum, maximum, description });

/** One limit: `points` per key in windows of `seconds`. */
const limit = (points: number, seconds: number, what: string) =>
  Type.Object(
    {
      points: integer(points, `${what} per window; 0 turns this limit off.`, 0, 2_000_000_000),
      seconds: integer(seconds, "Length of the window, in seconds.", 1, 31_536_000),
    },
    { default: {} },
  );

export const RateLimitsConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: "Apply the rate limits below (429 RATE_LIMITED with Retry-After beyond them)." }),
    authLockoutSeconds: integer(900, "An address that used up authFailuresPerIp is refused this long, in seconds.", 1, 86_400),
    httpRequestsPerIp: limit(3000, 60, "HTTP requests from one address (an IPv6 /64)"),
    verificationSessionsPerIp: limit(30, 3600, "Verification codes requested from one address"),
    verificationSessionsPerIdentifier: limit(3, 600, "Verification codes requested for one phone number or username"),
    codeAttemptsPerIp: limit(60, 3600, "Verification code submissions from one address"),
    registrationsPerIp: limit(30, 3600, "Registrations from one address"),
    authFailuresPerIp: limit(20, 300, "Failed authentications tolerated from one address (the next one locks it out for authLockoutSeconds)"),
    preKeyFetchesPerAccount: limit(1000, 3600, "Prekey bundle fetches by one account"),
    preKeyFetchesPerPair: limit(20, 600, "Prekey bundle fetches by one account for one other account"),
    sendsPerPair: limit(120, 60, "Send requests from one account to one other account"),
    bytesPerSender: limit(128 * 1024 * 1024, 3600, "Envelope bytes sent by one account"),
    linkTokensPerAccount: limit(6, 120, "Device-linking tokens created by one account"),
    linkAttemptsPerIp: limit(10, 600, "Device-linking attempts from one address"),
    factorChallengesPerIp: limit(30, 600, "Second-factor challenges (what a registration or link needs) requested from one address"),
    lookupsPerAccount: limit(100, 900, "Phone number and username lookups by one account"),
    lookupsPerIp: limit(300, 900, "Phone number and username lookups from one address"),
    oidcSignInsPerDevice: limit(20, 600, "Sign-in code lookups, approvals and denials (Sign in with Parley) by one device"),
  },
  { default: {} },
);

export const SecurityConfigSchema = Type.Object(
  {
    trustedProxies: Type.String({
      default: "127.0.0.0/8,::1/128",
      description:
        "Proxies (CIDR, comma-separated) whose X-Forwarded-For is believed; from any other peer the header is ignored. Empty: trust none.",
    }),
    allow: Type.String({ default: "", description: "Addresses allowed (CIDR, comma-separated); when any is given, only they may connect." }),
    deny: Type.String({ default: "", description: "Addresses refused (CIDR, comma-separated); the most specific matching range decides." }),
    rulesFile: Type.String({
      default: "",
      description: 'A file of "allow <cidr>" / "deny <cidr>" lines, in addition to allow and deny; re-read when it changes and on SIGHUP.',
    }),
    rulesPollSeconds: integer(2, "How often rulesFile is checked for changes, in seconds; 0: only on SIGHUP.", 0, 3600),
    auditLog: Type.String({
      default: "stdout",
      description: 'Security events as JSON lines: "stdout", a file path (re-opened on SIGHUP), or empty for none.',
    }),
  },
  { default: {} },
);

export const ConnectionsConfigSchema = Type.Object(
  {
    maxTotal: integer(50_000, "TCP connections (HTTP and WebSocket) open at once on this node; 0: no cap."),
    listenBacklog: integer(4096, "Connections waiting to be accepted (the kernel caps it at net.core.somaxconn); a longer queue rides out connection floods.", 1, 65_535),
    maxPerIp: integer(500, "Connections from one address (an IPv6 /64), trusted proxies excepted; 0: no cap."),
    maxPerAccount: integer(16, "WebSocket connections of one account, closing ones included; 0: no cap."),
    maxSendBufferBytes: integer(8 * 1024 * 1024, "A WebSocket whose client leaves more than this unread is dropped, in bytes; 0: no bound."),
    maxPendingRequests: integer(64, "Requests of one WebSocket handled at once; beyond it the socket is not read; 0: no bound."),
    headersTimeoutSeconds: integer(15, "Time to receive the headers of an HTTP request or WebSocket upgrade, in seconds.", 1, 3600),
    requestTimeoutSeconds: integer(60, "Time to receive a whole HTTP request, body included, in seconds.", 1, 3600),
    keepAliveSeconds: integer(72, "An idle HTTP keep-alive connection is closed after this many seconds.", 1, 3600),
    idleSeconds: integer(30, "An HTTP connection on which nothing moves is closed after this many seconds; 0: never.", 0, 3600),
    webSocketIdleSeconds: integer(300, "A WebSocket from which no frame arrives is closed (4005) after this many seconds; 0: never.", 0, 86_400),
  },
  { default: {} },
);
