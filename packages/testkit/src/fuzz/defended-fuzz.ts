// Fuzzing the refusals: the generated route requests of http/routes, against a server with its
// abuse defences on and tight (a few points per window for every rate limit, IP rules denying
// IPv4 and IPv6 ranges with allowed holes, 127.0.0.1 as trusted proxy), sent from the proxy with
// generated X-Forwarded-For headers (addresses, lists, ports, brackets, zones, garbage, huge ones,
// Forwarded junk) and from peers that are no proxy. Besides what every answer must be: a 429 has a
// Retry-After of whole seconds ≥ 1 and a refusal code; 403 ADDRESS_DENIED comes exactly when the
// client (worked out independently, forwarded-client.ts) is denied, and a denied direct peer gets
// no answer at all; every audited refusal names that client. Afterwards a client that waits as
// long as each Retry-After says is served again, the server serves once every window has passed,
// and the store is consistent.
import { request as httpRequest, Agent } from "node:http";
import { basicAuthorization, ErrorCode } from "@parley/protocol";
import { defaultSecuritySettings, MemoryAuditLog, rateLimitNames, type RateLimitName, type RateLimitWindow, type SecuritySettings } from "@parley/server";
import fc from "fast-check";
import { AgeableRateLimiters } from "./ageable-rate-limiters.js";
import { admitted, effectiveClient, formatIp, parseIp, parseRange, sameIp, type Ip } from "./forwarded-client.js";
import { answerTimeoutMs, type FuzzResponse } from "./fuzz-http-client.js";
import { FuzzCheckError, runFuzz, type FuzzResult, type FuzzRunOptions } from "./fuzz-run.js";
import { fuzzLimits, FuzzServer } from "./fuzz-server.js";
import { authorizationOf } from "./http-fuzz.js";
import { judgeAnswer } from "./response-checks.js";
import { routeRequest, routesOf, type RouteRequest } from "./route-model.js";

const trustedProxies = "127.0.0.1";
/** Broad allows so that unlisted addresses stay allowed, denied ranges inside them, and holes in those. */
const allow = ["0.0.0.0/0", "::/0", "203.0.113.7", "10.9.0.0/16", "2001:db8:dead:beef::/64", "198.18.0.0/15"];
/** 198.18.0.0/15 is in both lists: on a tie the deny wins. ::ffff:192.0.2.0/120 is 192.0.2.0/24. */
const deny = ["203.0.113.0/24", "10.0.0.0/8", "::ffff:192.0.2.0/120", "198.18.0.0/15", "127.0.0.3", "2001:db8:dead::/48", "fe80::/10"];

const windows: Partial<Record<RateLimitName, RateLimitWindow>> = {
  httpRequestsPerIp: { points: 4, seconds: 60 },
  bytesPerSender: { points: 2048, seconds: 60 },
  verificationSessionsPerIp: { points: 2, seconds: 600 },
  registrationsPerIp: { points: 2, seconds: 600 },
};
const authLockoutSeconds = 300;

export const defendedSettings: SecuritySettings = {
  rateLimits: {
    limits: Object.fromEntries(rateLimitNames.map((name) => [name, windows[name] ?? { points: 3, seconds: 120 }])) as Record<RateLimitName, RateLimitWindow>,
    authLockoutSeconds,
  },
  ipRules: { allow: allow.join(","), deny: deny.join(","), file: "", pollIntervalMs: 0 },
  trustedProxies,
  connections: defaultSecuritySettings.connections,
};

/** The longest any refusal can last: every window and the lockout. */
const longestSeconds = Math.max(authLockoutSeconds, ...rateLimitNames.map((n) => defendedSettings.rateLimits!.limits[n].seconds));

const rules = { allow: allow.map(parseRange), deny: deny.map(parseRange) };
const trusted = trustedProxies.split(",").map(parseRange);

/** The allowed client the check after the run asks for: the generator speaks for it often. */
const probeClient = "198.51.100.7";

const known = fc.constantFrom(
  probeClient,
  "198.51.100.8",
  "203.0.113.7",
  "10.9.1.1",
  "203.0.113.9",
  "10.1.2.3",
  "192.0.2.44",
  "198.18.0.1",
  "127.0.0.1",
  "127.0.0.3",
  "2001:db8:1::5",
  "2001:db8:dead:beef::1",
  "2001:db8:dead::1",
  "2001:db8:dead:0:0:0:0:2",
  "::ffff:198.51.100.7",
  "::ffff:203.0.113.9",
  "::ffff:127.0.0.1",
  "::ffff:c000:22c",
  "fe80::1",
  "::1",
);

const address = fc.oneof({ weight: 3, arbitrary: fc.constant(probeClient) }, { weight: 8, arbitrary: known }, fc.ipV4(), fc.ipV6());

/** An address as an entry: bare, with a port, in brackets, with a zone, with blanks. */
const entry = fc
  .tuple(address, fc.nat({ max: 7 }), fc.constantFrom("eth0", "25", "1", "", "a%b", "é"), fc.integer({ min: 0, max: 70_000 }))
  .map(([ip, form, zone, port]) => {
    const v6 = ip.includes(":");
    switch (form) {
      case 1:
        return v6 ? `[${ip}]:${port}` : `${ip}:${port}`;
      case 2:
        return v6 ? `[${ip}]` : `[${ip}]:${port}`;
      case 3:
        return v6 ? `${ip}%${zone}` : ip;
      case 4:
        return v6 ? `[${ip}%${zone}]:${port}` : ` ${ip} `;
      case 5:
        return v6 ? `[${ip}` : `${ip}:`;
      default:
        return ip;
    }
  });

const garbage = fc.oneof(
  fc.constantFrom("unknown", "", " ", "_hidden", "for=192.0.2.60", "[::1", "[]", "[::1]junk", "1.2.3.4:5:6", "::1.2.3.4", "010.0.0.1", "10.1", "0x0a.0.0.1", "4711", "1.2.3.256", "fe80::1%", ":::1"),
  fc.ipV4Extended(),
  fc.stringMatching(/^[ -+\--~]{0,30}$/),
);

const forwardedLines = fc.oneof(
  { weight: 2, arbitrary: fc.constant([]) },
  { weight: 6, arbitrary: entry.map((e) => [e]) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.array(fc.oneof({ weight: 4, arbitrary: entry }, garbage), { minLength: 1, maxLength: 6 }), fc.constantFrom(",", ", ", " , "), fc.boolean())
      .map(([entries, separator, split]) => (split && entries.length > 1 ? [entries.slice(0, 1).join(separator), entries.slice(1).join(separator)] : [entries.join(separator)])),
  },
  { weight: 1, arbitrary: fc.tuple(entry, fc.integer({ min: 100, max: 1500 })).map(([e, n]) => [Array.from({ length: n }, () => e).join(", ")]) },
  { weight: 1, arbitrary: fc.tuple(entry, fc.integer({ min: 10, max: 800 })).map(([e, n]) => [`${"127.0.0.1, ".repeat(n)}${e}`, "127.0.0.1"]) },
);

const otherHeaders = fc.record(
  {
    forwarded: fc.constantFrom("for=192.0.2.60;proto=http;by=203.0.113.43", 'for="[2001:db8:cafe::17]:4711"', "for=unknown", "for=10.1.2.3, for=203.0.113.9", ";;;,="),
    "x-real-ip": fc.oneof(known, garbage),
  },
  { requiredKeys: [] },
);

interface Peer {
  readonly local: string;
  readonly agent: Agent | false;
}

interface DefendedRequest {
  readonly request: RouteRequest;
  readonly peer: "127.0.0.1" | "127.0.0.2" | "127.0.0.3";
  readonly forwardedFor: readonly string[];
  readonly extra: Readonly<Record<string, string>>;
}

/**
 * Sends from `peer`; undefined when the connection was closed without an answer, "unparsable" when
 * the answer could not be read (the 400 to a request head over Node's limit carries a body even
 * when the request was HEAD).
 */
function sendFrom(url: string, peer: Peer, method: string, path: string, headers: Record<string, string | string[]>, body?: Uint8Array): Promise<FuzzResponse | "unparsable" | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    if (body !== undefined) headers["content-length"] = String(body.length);
    const req = httpRequest({ host: hostname, port: Number(port), method, path, headers, agent: peer.agent, localAddress: peer.local }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on("error", () => resolve(undefined));
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${answerTimeoutMs} ms`));
    }, answerTimeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ECONNRESET" || error.code === "EPIPE") resolve(undefined);
      else if (error.code?.startsWith("HPE_") === true) resolve("unparsable");
      else reject(error);
    });
    req.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.length));
  });
}

/** Node's limit on a request head (--max-http-header-size). */
const maxHeaderBytes = 16 * 1024;
/** Bytes of a head the estimate below leaves out, at most (request line, client-set headers). */
const headMargin = 512;

const refusalCodes: readonly string[] = [ErrorCode.RateLimited, ErrorCode.TooManyConnections, ErrorCode.FactorAttemptsExhausted];

/** Checks a 429: a Retry-After of whole seconds ≥ 1, a refusal code, and details that agree. */
function retryAfterOf(answer: FuzzResponse, code: string | undefined, fail: (problem: string) => never): number {
  const header = answer.headers["retry-after"];
  if (typeof header !== "string" || !/^[1-9][0-9]*$/.test(header)) fail(`a 429 with Retry-After ${JSON.stringify(header)}`);
  // A HEAD answer has no body to read the code from.
  if (answer.body.length === 0) return Number(header);
  if (code === undefined || !refusalCodes.includes(code)) fail(`a 429 with code ${code}`);
  const details = (JSON.parse(answer.body.toString("utf8")) as { details?: { retryAfterSeconds?: unknown } }).details;
  if (details?.retryAfterSeconds !== undefined && String(details.retryAfterSeconds) !== header) fail(`Retry-After ${header} but details say ${String(details.retryAfterSeconds)}`);
  return Number(header);
}

function describe(input: DefendedRequest, expected: Ip): string {
  const r = input.request;
  const forwarded = JSON.stringify(input.forwardedFor.map((line) => (line.length > 200 ? `${line.slice(0, 200)}… (${line.length} chars)` : line)));
  return `${r.method} ${r.path.slice(0, 200)} (route ${r.route}) from ${input.peer}, X-Forwarded-For ${forwarded}, expected client ${formatIp(expected)}`;
}

export async function fuzzDefendedRoutes(options: FuzzRunOptions): Promise<FuzzResult> {
  const limiters = new AgeableRateLimiters();
  const audit = new MemoryAuditLog();
  const server = await FuzzServer.start({ security: { settings: defendedSettings, rateLimiters: limiters.factory, audit } });
  const peers: Record<DefendedRequest["peer"], Peer> = {
    "127.0.0.1": { local: "127.0.0.1", agent: new Agent({ keepAlive: true, maxSockets: 4, localAddress: "127.0.0.1" }) },
    "127.0.0.2": { local: "127.0.0.2", agent: new Agent({ keepAlive: true, maxSockets: 4, localAddress: "127.0.0.2" }) },
    // Denied at the connection: each attempt on a fresh one.
    "127.0.0.3": { local: "127.0.0.3", agent: false },
  };
  let result: FuzzResult;
  try {
    const routes = await routesOf(server);
    const input = fc.record({
      request: routeRequest(routes, server, fuzzLimits.maxBodyBytes),
      peer: fc.oneof({ weight: 12, arbitrary: fc.constant("127.0.0.1" as const) }, fc.constantFrom("127.0.0.2" as const, "127.0.0.3" as const)),
      forwardedFor: forwardedLines,
      extra: otherHeaders,
    });
    result = await runFuzz(
      "http/defended-routes",
      input,
      async (input, tally) => {
        const { request } = input;
        const expected = effectiveClient(parseIp(input.peer)!, input.forwardedFor, trusted);
        const what = () => describe(input, expected);
        const fail = (problem: string): never => {
          throw new FuzzCheckError(`${what()}: ${problem}`);
        };
        const headers: Record<string, string | string[]> = { ...input.extra };
        if (input.forwardedFor.length > 0) headers["x-forwarded-for"] = input.forwardedFor.length === 1 ? input.forwardedFor[0]! : [...input.forwardedFor];
        const authorization = authorizationOf(server, request.auth);
        if (authorization !== undefined) headers["authorization"] = authorization;
        if (request.contentType !== undefined) headers["content-type"] = request.contentType;
        const audited = audit.events.length;
        const answer = await sendFrom(server.url, peers[input.peer], request.method, request.path, headers, request.body);
        const peerAdmitted = admitted(parseIp(input.peer)!, rules);
        // A head over Node's limit is refused by its parser, before anyone could read the header.
        // The estimate counts names, values and separators; the request line and the headers the
        // client adds itself (host, connection, ...) come on top, so a head within a small margin
        // below the limit may go either way and counts as oversized too.
        const headBytes = Object.entries(headers).reduce((n, [name, v]) => n + [v].flat().reduce((m, x) => m + name.length + 4 + x.length, 0), request.path.length);
        const oversized = headBytes > maxHeaderBytes - headMargin;
        if (answer === "unparsable") {
          if (!oversized) fail("an answer that is no HTTP");
          tally.count("oversized head, unparsable answer");
          return;
        }
        if (answer === undefined) {
          if (peerAdmitted) fail("the connection was closed without an answer");
          tally.count("connection refused");
          return;
        }
        if (!peerAdmitted) fail(`a peer the rules deny was answered ${answer.status}`);
        const { outcome, code } = judgeAnswer(answer, what, { head: request.method === "HEAD" });
        if (oversized && answer.status === 400) {
          tally.count(`oversized head, ${outcome}`);
          return;
        }
        // A HEAD answer has no body: its 403 is taken for a denial only when one was expected.
        const denied = answer.status === 403 && (code === ErrorCode.AddressDenied || (request.method === "HEAD" && !admitted(expected, rules)));
        if (denied && admitted(expected, rules)) fail("an allowed client was refused with 403 ADDRESS_DENIED");
        if (!denied && !admitted(expected, rules)) fail(`a denied client was answered ${answer.status} ${code ?? ""}`);
        if (answer.status === 429) retryAfterOf(answer, code, fail);
        for (const event of audit.events.slice(audited)) {
          if (!("ip" in event) || event.event === "oidc_refused") continue;
          const named = parseIp(event.ip);
          if (named === undefined || !sameIp(named, expected)) fail(`the audit log names ${event.ip} in ${JSON.stringify(event)}`);
        }
        server.checkFaults(what);
        tally.count(answer.status < 300 ? "served" : outcome);
      },
      options,
    );
    server.checkFaults(() => "after http/defended-routes");
    await servedAfterWaiting(server, limiters);
    await limiters.age(longestSeconds);
    await server.assertServing();
  } catch (error) {
    for (const peer of Object.values(peers)) if (peer.agent) peer.agent.destroy();
    await server.close().catch(() => undefined);
    throw error;
  }
  for (const peer of Object.values(peers)) if (peer.agent) peer.agent.destroy();
  const report = await server.close();
  if (report.problems.length > 0) throw new FuzzCheckError(`the store is inconsistent after http/defended-routes:\n${report.problems.join("\n")}`);
  return result;
}

/**
 * The allowed client the run spoke for most asks until it is served, each time letting as much
 * time pass as its last Retry-After said; a refusal that outlives what it announced fails.
 */
async function servedAfterWaiting(server: FuzzServer, limiters: AgeableRateLimiters): Promise<void> {
  const peer: Peer = { local: "127.0.0.1", agent: false };
  const bob = server.bob.credentials;
  const refusals: string[] = [];
  // Each wait clears at least the limit that refused: there are not more rounds than limits.
  for (let round = 0; round <= rateLimitNames.length; round++) {
    const headers = { "x-forwarded-for": probeClient, authorization: basicAuthorization(bob.accountId, bob.deviceId, bob.password) };
    const answer = await sendFrom(server.url, peer, "GET", "/v1/devices", headers);
    const fail = (problem: string): never => {
      throw new FuzzCheckError(`${probeClient}, waiting as told after ${refusals.join(", ") || "no refusal"}: ${problem}`);
    };
    if (answer === undefined || answer === "unparsable") return fail("the connection was closed without a readable answer");
    if (answer.status === 200) return;
    if (answer.status !== 429) fail(`answered ${answer.status} ${answer.body.toString("utf8").slice(0, 200)}`);
    const { code } = judgeAnswer(answer!, () => `${probeClient} GET /v1/devices`);
    const seconds = retryAfterOf(answer!, code, fail);
    refusals.push(`429 ${answer.body.toString("utf8").slice(0, 120)}`);
    await limiters.age(seconds);
  }
  throw new FuzzCheckError(`${probeClient} was still refused after waiting as told: ${refusals.join("; ")}`);
}
