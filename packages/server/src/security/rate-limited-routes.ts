// Which rate limits each route counts against, and under which key. The checks run inside the
// route, after authentication and body validation, so per-account limits know the account and a
// malformed request costs nothing; HTTP and WebSocket requests reach the same wrapped routes.
import type { CreateVerificationSession, SendMessages } from "@parley/protocol";
import type { Route, RouteRequest } from "../api/route.js";
import { hashToken } from "../domain/credentials.js";
import { canonicalIdentifier } from "../domain/identifiers.js";
import type { ClientAddress } from "./client-address.js";
import type { RateLimits } from "./rate-limits.js";

/** Checks a request against its limits: returns (or throws) at once with stores in memory. */
type Policy = (limits: RateLimits, request: RouteRequest, client: ClientAddress) => void | Promise<void>;

const unknownClient: ClientAddress = { ip: "unknown", key: "unknown", address: undefined };

/** `first`, then `next`: without a promise when neither needs one. */
function then(first: void | Promise<void>, next: () => void | Promise<void>): void | Promise<void> {
  return first ? first.then(next) : next();
}

const signInPolicy: Policy = (limits, r, client) => {
  if (r.auth) return limits.consume("oidcSignInsPerDevice", `${r.auth.accountId}.${r.auth.deviceId}`, client, 1, r.auth.accountId);
};

const policies: Readonly<Record<string, Policy>> = {
  "POST /v1/verification/sessions": (limits, r, client) =>
    then(limits.consume("verificationSessionsPerIp", client.key, client), () => {
      const key = identifierKey(r.body as CreateVerificationSession);
      if (key !== undefined) return limits.consume("verificationSessionsPerIdentifier", key, client);
    }),
  "PUT /v1/verification/sessions/:sessionId/code": (limits, _r, client) => limits.consume("codeAttemptsPerIp", client.key, client),
  "POST /v1/registration": (limits, _r, client) => limits.consume("registrationsPerIp", client.key, client),
  "POST /v1/devices/link": (limits, _r, client) => limits.consume("linkAttemptsPerIp", client.key, client),
  // A challenge needs a verified session or a live linking token, but each one stores a passkey
  // challenge until it expires: bounded per address so they cannot pile up.
  "POST /v1/auth/challenges": (limits, _r, client) => limits.consume("factorChallengesPerIp", client.key, client),
  "POST /v1/devices/link-tokens": (limits, r, client) => {
    if (r.auth) return limits.consume("linkTokensPerAccount", r.auth.accountId, client, 1, r.auth.accountId);
  },
  "GET /v1/directory/:kind/:identifier": (limits, r, client) =>
    then(limits.consume("lookupsPerIp", client.key, client), () => {
      if (r.auth) return limits.consume("lookupsPerAccount", r.auth.accountId, client, 1, r.auth.accountId);
    }),
  // Sign-in codes are short: every lookup and answer, right or wrong, counts per device, which
  // bounds guessing (docs/adr/0014-openid-connect-provider.md).
  "GET /v1/oidc/sign-ins/:code": signInPolicy,
  "POST /v1/oidc/sign-ins/:code/approval": signInPolicy,
  "DELETE /v1/oidc/sign-ins/:code": signInPolicy,
  // Every fetch claims one-time prekeys: the per-pair limit keeps one account from draining
  // another's, the per-account one from draining everybody's a little.
  "GET /v1/keys/:accountId/:deviceId": (limits, r, client) => {
    if (!r.auth) return;
    const account = r.auth.accountId;
    return then(limits.consume("preKeyFetchesPerAccount", account, client, 1, account), () =>
      limits.consume("preKeyFetchesPerPair", `${account}>${r.params["accountId"] ?? ""}`, client, 1, account),
    );
  },
  // Sends to the sender's own account (sync copies for its other devices) accompany sends to
  // others and are not counted per pair; their bytes are.
  "PUT /v1/messages/:accountId": (limits, r, client) => {
    if (!r.auth) return;
    const account = r.auth.accountId;
    const destination = r.params["accountId"] ?? "";
    const pair = destination === account ? undefined : limits.consume("sendsPerPair", `${account}>${destination}`, client, 1, account);
    return then(pair, () => limits.consume("bytesPerSender", account, client, bytesOf(r), account));
  },
};

/** The routes with their rate limits in front of their handlers; routes without a policy stay as they are. */
export function withRateLimits(routes: readonly Route[], limits: RateLimits): Route[] {
  return routes.map((route) => {
    const policy = policies[`${route.method} ${route.url}`];
    if (policy === undefined) return route;
    const handle = route.handle.bind(route);
    return {
      ...route,
      // A refusal thrown here reaches the dispatcher like one thrown by the handler.
      handle: (request: RouteRequest) => {
        const checked = policy(limits, request, request.client ?? unknownClient);
        return checked ? checked.then(() => handle(request)) : handle(request);
      },
    };
  });
}

/** The identifier's limit key: a hash of its canonical form (no phone numbers in the counters). */
function identifierKey(body: CreateVerificationSession): string | undefined {
  try {
    const { kind, value } = canonicalIdentifier(body.identifier);
    return Buffer.from(hashToken(`${kind}:${value}`)).toString("base64url");
  } catch {
    // Invalid: the handler refuses it without sending a code.
    return undefined;
  }
}

/** The envelope bytes of a send: the protobuf body, or the decoded size of the JSON contents. */
function bytesOf(r: RouteRequest): number {
  if (r.binaryBody !== undefined) return r.binaryBody.length;
  let bytes = 0;
  for (const message of (r.body as SendMessages).messages) bytes += Math.floor((message.content.length * 3) / 4);
  return bytes;
}
