// The fuzz target of the OpenID Connect provider under /oidc. Whatever comes in, the answer is
// never a 5xx and shows no stack trace or source path; the token, revocation and userinfo
// endpoints answer errors as OAuth JSON ({"error": …}); authorization requests and interaction
// pages answer with a redirect (within the provider, or to the registered redirect URI and nowhere
// else) or an HTML page; tokens are issued only for a fresh code, its verifier and the client's own
// credentials; the server logs no fault. Afterwards the provider still starts a sign-in.
import { createHash, randomBytes } from "node:crypto";
import { describeError, ensure, FuzzCheckError, runFuzz, type FuzzResult, type FuzzRunOptions } from "./fuzz-run.js";
import type { FuzzResponse } from "./fuzz-http-client.js";
import type { FuzzServer } from "./fuzz-server.js";
import { bodyBytes, oidcRequest, wantsFreshCode, type OidcFuzzContext, type OidcInput, type PendingInteraction } from "./oidc-model.js";
import { OidcSignIn } from "./oidc-sign-in.js";
import { judgeAnswer } from "./response-checks.js";

/** What no answer may show: a stack frame, a source or module path, a file URL. */
const internals = /\bat [\w$.<>]+ \(|\bat (?:file:|node:|\/)|node_modules|file:\/\/|\/(?:src|dist|lib)\/[\w/.-]+\.[cm]?[jt]s\b|\.[cm]?[jt]s:\d+/;

/** An authorization request a real client would send, with `challenge` for its PKCE verifier. */
function authorizationPath(server: FuzzServer, challenge: string): string {
  const { clientId, redirectUri } = server.oidcClient;
  const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: "code", scope: "openid profile", code_challenge: challenge, code_challenge_method: "S256", state: "fuzz-state", nonce: "fuzz-nonce" });
  return `/oidc/auth?${query.toString()}`;
}

function clientBasic(server: FuzzServer): string {
  const { clientId, clientSecret } = server.oidcClient;
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

async function exchange(server: FuzzServer, code: string, verifier: string): Promise<{ access_token?: unknown }> {
  const body = new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: server.oidcClient.redirectUri });
  const answer = await server.http.send({ method: "POST", path: "/oidc/token", headers: { "content-type": "application/x-www-form-urlencoded", authorization: clientBasic(server) }, body: Buffer.from(body.toString()) });
  if (answer.status !== 200) throw new FuzzCheckError(`a valid code exchange answered ${answer.status} ${answer.body.toString("utf8").slice(0, 300)}`);
  return JSON.parse(answer.body.toString("utf8")) as { access_token?: unknown };
}

/** Pending sign-ins, a used code and an access token; and the browser that mints fresh codes. */
async function prepare(server: FuzzServer): Promise<{ context: OidcFuzzContext; minter: OidcSignIn }> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const start = authorizationPath(server, challenge);
  const interactions: PendingInteraction[] = [];
  for (let i = 0; i < 3; i++) {
    const browser = new OidcSignIn(server, start);
    interactions.push({ uid: await browser.pendingLogin(), cookie: browser.cookie, prompt: "login" });
  }
  for (let i = 0; i < 2; i++) {
    const browser = new OidcSignIn(server, start);
    interactions.push({ uid: await browser.pendingConsent(), cookie: browser.cookie, prompt: "consent" });
  }
  const minter = new OidcSignIn(server, start);
  const usedCode = await minter.code();
  const tokens = await exchange(server, usedCode, verifier);
  if (typeof tokens.access_token !== "string") throw new FuzzCheckError("a valid code exchange gave no access token");
  return { context: { client: server.oidcClient, verifier, challenge, interactions, usedCode, accessToken: tokens.access_token }, minter };
}

function describe(input: OidcInput, body: Uint8Array | undefined): string {
  const text = body === undefined ? "no body" : `${body.length}-byte body ${JSON.stringify(Buffer.from(body.subarray(0, 200)).toString("utf8"))}`;
  return `${input.method} ${input.path.slice(0, 300)} (${input.endpoint}, headers ${JSON.stringify(input.headers).slice(0, 300)}, ${text})`;
}

function jsonOf(answer: FuzzResponse): unknown {
  try {
    return JSON.parse(answer.body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** The methods each endpoint serves (HEAD aside); "interaction" and "status" decide for themselves. */
const servedMethods: Partial<Record<OidcInput["endpoint"], readonly string[]>> = {
  discovery: ["GET"],
  jwks: ["GET"],
  auth: ["GET"],
  resume: ["GET"],
  token: ["POST"],
  revocation: ["POST"],
  userinfo: ["GET", "POST"],
  interaction: ["GET", "POST", "PUT"],
  status: ["GET", "POST", "PUT"],
  other: ["GET", "POST", "OPTIONS", "DELETE"],
};

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const isHtml = (answer: FuzzResponse) => (answer.contentType ?? "").startsWith("text/html");

/** Checks one answer; returns its outcome for the tally ("token 400 invalid_grant", "auth 303 →client"). */
function judge(input: OidcInput, answer: FuzzResponse, server: FuzzServer, what: () => string): string {
  const fail = (problem: string): never => {
    throw new FuzzCheckError(`${what()}: ${problem} (status ${answer.status}, content-type ${answer.contentType ?? "none"}, body ${JSON.stringify(answer.body.toString("utf8").slice(0, 300))})`);
  };
  if (answer.status >= 500) fail("a server error");
  if (answer.status < 200) fail("an unexpected status");
  const text = answer.body.toString("utf8");
  const leak = internals.exec(text);
  if (leak) fail(`an answer that shows internals (${JSON.stringify(leak[0])})`);
  const outcome = `${input.endpoint} ${answer.status}`;
  if (input.method === "HEAD") return outcome;
  const json = jsonOf(answer);
  // Refused by the HTTP server before the provider saw it (a path that cannot be decoded, a head
  // too large): the protocol's error body, judged as on any other route.
  if (answer.status >= 400 && isObject(json) && "code" in json && !("error" in json)) return `${input.endpoint} ${judgeAnswer(answer, what).outcome}`;
  if (!(servedMethods[input.endpoint] ?? ["GET", "POST"]).includes(input.method)) {
    // The provider's router answers a method an endpoint does not serve with a plain 404 or 405.
    if (answer.status !== 404 && answer.status !== 405) fail(`${input.method} not refused`);
    return `${outcome} (${input.method})`;
  }
  const oauthError = () => {
    if (!isObject(json) || typeof json["error"] !== "string") return fail("an error that is not OAuth JSON with an error field");
    if (!(answer.contentType ?? "").startsWith("application/json")) fail("an OAuth error not sent as JSON");
    return `${outcome} ${json["error"]}`;
  };
  const redirect = () => {
    const location = answer.headers.location;
    if (location === undefined) return fail("a redirect without a Location");
    const target = new URL(location, server.url);
    const client = server.oidcClient.redirectUri;
    if (target.href.startsWith(`${client}?`) || target.href.startsWith(`${client}#`)) return `${outcome} →client${target.searchParams.has("error") ? " error" : ""}`;
    if (target.origin === new URL(server.url).origin && target.pathname.startsWith("/oidc/")) return `${outcome} →provider`;
    return fail(`a redirect to ${location}, neither within the provider nor to the registered redirect URI`);
  };
  switch (input.endpoint) {
    case "token":
    case "revocation":
    case "userinfo":
      if (answer.status >= 400) return oauthError();
      if (answer.status >= 300) return fail("a redirect from an API endpoint");
      if (input.endpoint === "token") {
        ensure(wantsFreshCode(input) && input.rightClientAuth, `${what()}: tokens issued without a fresh code and the client's own credentials`);
        if (!isObject(json) || typeof json["access_token"] !== "string" || typeof json["id_token"] !== "string") fail("a token answer without tokens");
      }
      if (input.endpoint === "userinfo" && (!isObject(json) || typeof json["sub"] !== "string")) fail("userinfo without a subject");
      return outcome;
    case "auth":
    case "resume":
    case "interaction":
      if (answer.status >= 300 && answer.status < 400) return redirect();
      if (!isHtml(answer)) fail("a page not sent as HTML");
      return outcome;
    case "status":
      if (answer.status >= 300 && answer.status < 400) return redirect();
      if (!isHtml(answer) && !isObject(json)) fail("a status neither JSON nor an HTML page");
      return outcome;
    case "discovery":
      if (input.method === "GET" && answer.status === 200 && (!isObject(json) || json["issuer"] !== server.oidcClient.issuer)) fail("discovery without the issuer");
      return outcome;
    case "jwks":
      if (input.method === "GET" && answer.status === 200) {
        const keys = isObject(json) ? json["keys"] : undefined;
        if (!Array.isArray(keys) || keys.length === 0) fail("a JWKS without keys");
        if ((keys as unknown[]).some((key) => isObject(key) && "d" in key)) fail("a JWKS that publishes a private key");
      }
      return outcome;
    default:
      if (answer.status >= 300 && answer.status < 400) return redirect();
      return outcome;
  }
}

/** Fails unless discovery answers and a valid authorization request leads to a login page. */
export async function assertSignInStarts(server: FuzzServer): Promise<void> {
  const discovery = await server.http.send({ method: "GET", path: "/oidc/.well-known/openid-configuration", headers: {} });
  const document = jsonOf(discovery);
  if (discovery.status !== 200 || !isObject(document) || document["issuer"] !== server.oidcClient.issuer) {
    throw new FuzzCheckError(`the provider stopped serving: discovery answered ${discovery.status}`);
  }
  const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
  await new OidcSignIn(server, authorizationPath(server, challenge)).pendingLogin();
  server.checkFaults(() => "while checking the provider still starts a sign-in");
}

export async function fuzzOidc(server: FuzzServer, options: FuzzRunOptions): Promise<FuzzResult> {
  const { context, minter } = await prepare(server);
  const result = await runFuzz(
    "http/oidc",
    oidcRequest(context),
    async (input, tally) => {
      const code = wantsFreshCode(input) ? await minter.code() : undefined;
      const body = input.body === undefined ? undefined : bodyBytes(input.body, code);
      const what = () => describe(input, body);
      const started = performance.now();
      let answer: FuzzResponse;
      try {
        answer = await server.http.send({ method: input.method, path: input.path, headers: input.headers, ...(body ? { body } : {}) });
      } catch (error) {
        throw new FuzzCheckError(`${what()}: no answer (${describeError(error)})`);
      }
      tally.timed(performance.now() - started, () => `${input.method} ${input.path.slice(0, 80)} with ${body?.length ?? 0} bytes`);
      tally.count(judge(input, answer, server, what));
      server.checkFaults(what);
    },
    options,
  );
  await server.assertServing();
  await assertSignInStarts(server);
  return result;
}
