// Requests to the OpenID Connect provider under /oidc, which the OpenAPI document does not list:
// discovery, JWKS, authorization requests, code exchanges, revocation, userinfo, the interaction
// pages and paths nobody serves. Each is made valid, nearly valid or hostile from what a run knows
// (the registered client, pending sign-ins with their cookies, a used code, an access token), so
// that requests reach the code behind the provider's checks and not only the checks.
import fc from "fast-check";
import type { FuzzOidcClient } from "./fuzz-server.js";

/** Where a value is a code minted just before the request is sent (codes live a minute). */
export const freshCode: unique symbol = Symbol("fresh code");
export type FormValue = string | typeof freshCode;

/** A sign-in waiting at an interaction page, with the cookies of the browser that started it. */
export interface PendingInteraction {
  readonly uid: string;
  readonly cookie: string;
  readonly prompt: "login" | "consent";
}

/** What a run knows before it starts generating. */
export interface OidcFuzzContext {
  readonly client: FuzzOidcClient;
  /** The PKCE verifier, and its S256 challenge, of every code minted for the run. */
  readonly verifier: string;
  readonly challenge: string;
  readonly interactions: readonly PendingInteraction[];
  /** A code exchanged already: presenting it again is a replay. */
  readonly usedCode: string;
  readonly accessToken: string;
}

export type OidcEndpoint = "discovery" | "jwks" | "auth" | "resume" | "token" | "revocation" | "userinfo" | "interaction" | "status" | "other";

export type OidcBody =
  | { readonly kind: "form"; readonly entries: readonly (readonly [string, FormValue])[]; readonly json: boolean; readonly padding: number }
  | { readonly kind: "raw"; readonly bytes: Uint8Array };

export interface OidcInput {
  readonly endpoint: OidcEndpoint;
  readonly method: string;
  /** As written on the request line (percent-encoded where it should be, or deliberately not). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: OidcBody;
  /** The client authenticated with its own secret (Basic), so a fresh code may be exchanged. */
  readonly rightClientAuth: boolean;
}

const mount = "/oidc";

/** Header-safe junk: printable ASCII (Node refuses to write control characters in headers). */
const headerJunk = fc.oneof(fc.stringMatching(/^[ -~]{0,60}$/), fc.constantFrom("", " ", "Bearer", "Basic", "Basic ====", "a".repeat(4000), "\u00ff\u00fe"));
/** Text that is no identifier: odd characters, encodings, sizes around the interesting bounds. */
const junkText = fc.oneof(
  fc.string({ maxLength: 40, unit: "binary" }),
  fc.constantFrom("", " ", "null", "undefined", "__proto__", "constructor", "[]", "{}", "%", "%zz", "\u0000", "\ud800", "..", "../..", "é", "a b", "a+b", "a&b=c"),
  fc.constantFrom(64, 65, 2048, 9000, 70_000).map((n) => "x".repeat(n)),
);
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** A value for one authorization (or token) parameter: right, wrong or junk. */
function paramValue(context: OidcFuzzContext, name: string): fc.Arbitrary<FormValue> {
  const { client } = context;
  const choices: Record<string, fc.Arbitrary<FormValue>> = {
    client_id: fc.constantFrom(client.clientId, `${client.clientId}x`, client.clientId.toUpperCase(), "no-such-client"),
    redirect_uri: fc.constantFrom(client.redirectUri, `${client.redirectUri}/`, `${client.redirectUri}?x=1`, "http://127.0.0.1:9/elsewhere", "https://evil.example/cb", "javascript:alert(1)", "/relative", "http://127.0.0.1:9/callback#frag"),
    response_type: fc.constantFrom("code", "token", "id_token", "code id_token", "none", "CODE", "code code"),
    response_mode: fc.constantFrom("query", "fragment", "form_post", "web_message", "jwt", "query.jwt"),
    scope: fc.constantFrom("openid", "openid profile", "openid profile phone", "profile", "openid offline_access", "openid email address", "openid  profile", ""),
    code_challenge: fc.constantFrom(context.challenge, context.challenge.slice(1), "a".repeat(43), "a".repeat(128), "a".repeat(129), "!!!"),
    code_challenge_method: fc.constantFrom("S256", "plain", "s256", "RS256"),
    prompt: fc.constantFrom("none", "login", "consent", "select_account", "login consent", "none login", "create"),
    max_age: fc.constantFrom("0", "-1", "1e309", "NaN", "99999999999999999999", "3600"),
    grant_type: fc.constantFrom("authorization_code", "refresh_token", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code", "implicit"),
    code: fc.constantFrom<FormValue>(freshCode, freshCode, context.usedCode, `${context.usedCode}x`, "no-such-code"),
    code_verifier: fc.constantFrom(context.verifier, context.verifier, `${context.verifier.slice(1)}A`, "short", "a".repeat(129), context.challenge),
    token: fc.constantFrom(context.accessToken, `${context.accessToken}x`, context.usedCode, "no-such-token"),
    token_type_hint: fc.constantFrom("access_token", "refresh_token", "id_token", "authorization_code"),
    client_secret: fc.constantFrom(client.clientSecret, `${client.clientSecret}x`),
    claims: fc.constantFrom('{"userinfo":{"phone_number":{"essential":true}}}', '{"id_token":null}', "{", "[]", '{"userinfo":{"sub":{"value":"x"}}}'),
    request: fc.constantFrom("eyJhbGciOiJub25lIn0.eyJ9.", "a.b.c", "not-a-jwt"),
    request_uri: fc.constantFrom("urn:ietf:params:oauth:request_uri:abc", "https://evil.example/request"),
    id_token_hint: fc.constantFrom("a.b.c", context.accessToken),
    access_token: fc.constantFrom(context.accessToken, "no-such-token"),
  };
  const right = choices[name];
  const junk = junkText as fc.Arbitrary<FormValue>;
  return right === undefined ? junk : fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: junk });
}

const authParams = ["client_id", "redirect_uri", "response_type", "scope", "code_challenge", "code_challenge_method", "state", "nonce"] as const;
const extraAuthParams = ["prompt", "response_mode", "max_age", "claims", "request", "request_uri", "id_token_hint", "login_hint", "ui_locales", "acr_values", "registration", "resource"];

/**
 * Parameters starting from a valid set (each left out, replaced or kept), with extra, repeated
 * and unknown ones: most requests are one or two changes away from valid.
 */
function paramSet(context: OidcFuzzContext, base: readonly string[], valid: Readonly<Record<string, FormValue>>, extra: readonly string[]): fc.Arbitrary<[string, FormValue][]> {
  const kept = fc.tuple(
    ...base.map((name) =>
      fc.oneof(
        { weight: 8, arbitrary: fc.constant<[string, FormValue] | undefined>([name, valid[name] ?? ""]) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: paramValue(context, name).map((v): [string, FormValue] => [name, v]) },
      ),
    ),
  );
  const added = fc.array(
    fc.oneof(
      fc.constantFrom(...base, ...extra).chain((name) => paramValue(context, name).map((v): [string, FormValue] => [name, v])),
      fc.tuple(fc.oneof(junkText, fc.constantFrom("client_id[]", "scope[0]", "__proto__", "")), junkText as fc.Arbitrary<FormValue>),
    ),
    { maxLength: 3 },
  );
  return fc.tuple(kept, added).map(([k, a]) => [...k.filter((p) => p !== undefined), ...a]);
}

const maxQueryChars = 10_000;

/** Percent-encoding as a browser writes it, or deliberately broken. */
const brokenEncodings = ["%zz", "%", "%E0%A4%A", "%00", "%FF%FE", "%C0%AF", "%ED%A0%80", "%2", "%%", "+", "&&", "=="];

/** Lone surrogates become U+FFFD, as a browser's UTF-8 encoding makes them. */
const wellFormed = (text: string) => Buffer.from(text, "utf8").toString("utf8");

function encodeParam(name: string, value: string): string {
  return `${encodeURIComponent(wellFormed(name))}=${encodeURIComponent(wellFormed(value))}`;
}

/** A query (without "?") of `params`, now and then with a broken escape inserted. */
function queryOf(params: fc.Arbitrary<[string, FormValue][]>): fc.Arbitrary<string> {
  return fc.tuple(params, fc.option(fc.tuple(fc.nat(), fc.constantFrom(...brokenEncodings)), { freq: 5 })).map(([entries, broken]) => {
    const parts = entries.map(([name, value]) => encodeParam(name, typeof value === "string" ? value : "no-such-code"));
    if (broken) parts.splice(broken[0] % (parts.length + 1), 0, `${broken[1]}=${broken[1]}`);
    // Cut (escapes and all) to keep the request head under Node's 16 KB: larger heads never reach
    // the provider, and http/raw-requests sends those.
    return parts.join("&").slice(0, maxQueryChars);
  });
}

const origin = (context: OidcFuzzContext) => fc.option(fc.constantFrom(new URL(context.client.issuer).origin, "https://evil.example", "null", "http://127.0.0.1"), { freq: 2 });

function withHeaders(base: Record<string, string>, extra: Readonly<Record<string, string | null>>): Record<string, string> {
  for (const [name, value] of Object.entries(extra)) if (value !== null) base[name] = value;
  return base;
}

const formContentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string | null>("application/x-www-form-urlencoded") },
  fc.constantFrom<string | null>(null, "application/json", "text/plain", "application/x-www-form-urlencoded; charset=utf-8", "application/x-www-form-urlencoded; charset=junk", "application/x-www-form-urlencoded; charset=utf-16le", "multipart/form-data; boundary=x", "APPLICATION/X-WWW-FORM-URLENCODED", "*/*", ""),
);

/** A body of `entries`: form-encoded (or JSON), padded past the parsers' limits now and then, or raw junk. */
function bodyOf(entries: fc.Arbitrary<[string, FormValue][]>): fc.Arbitrary<OidcBody> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.tuple(entries, fc.boolean(), fc.constantFrom(0, 0, 0, 0, 0, 0, 5000, 60_000, 300_000)).map(([e, json, padding]): OidcBody => ({ kind: "form", entries: e, json: json && padding === 0 && e.length % 3 === 0, padding })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes): OidcBody => ({ kind: "raw", bytes })) },
  );
}

function basicAuth(context: OidcFuzzContext): fc.Arbitrary<{ header: string | null; right: boolean }> {
  const { clientId, clientSecret } = context.client;
  const basic = (user: string, password: string) => `Basic ${b64(`${user}:${password}`)}`;
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ header: basic(clientId, clientSecret), right: true }) },
    fc.constantFrom<string | null>(
      null,
      basic(clientId, `${clientSecret}x`),
      basic(clientId, ""),
      basic("no-such-client", clientSecret),
      basic(`%zz${clientId}`, clientSecret),
      basic(clientId, `%E0%A4%A${clientSecret}`),
      `Basic ${b64(clientId)}`,
      `Basic ${clientId}:${clientSecret}`,
      `Bearer ${context.accessToken}`,
      `basic ${b64(`${clientId}:${clientSecret}`)}x`,
    ).map((header) => ({ header, right: false })),
    headerJunk.map((header) => ({ header, right: false })),
  );
}

const cookieJunk = fc.constantFrom("_interaction=abc", "_interaction=abc; _interaction.sig=def", "_session=x; _session.sig=y", "_interaction_resume=%zz", "a".repeat(5000), "=;=;", "_interaction");

/** The Cookie header of an interaction request: its own browser's, another sign-in's, junk, none. */
function interactionCookie(context: OidcFuzzContext, own: string | undefined): fc.Arbitrary<string | null> {
  const others = context.interactions.map((i) => i.cookie).filter((c) => c !== own);
  return fc.oneof(
    { weight: own === undefined ? 0 : 5, arbitrary: fc.constant(own ?? null) },
    { weight: 1, arbitrary: others.length > 0 ? fc.constantFrom(...others) : fc.constant(null) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: cookieJunk },
    { weight: 1, arbitrary: headerJunk.filter((h) => h.trim() !== "") },
    { weight: own === undefined ? 0 : 1, arbitrary: fc.constant(`${own}x`) },
  );
}

function authorization(context: OidcFuzzContext): fc.Arbitrary<OidcInput> {
  const valid = {
    client_id: context.client.clientId,
    redirect_uri: context.client.redirectUri,
    response_type: "code",
    scope: "openid profile",
    code_challenge: context.challenge,
    code_challenge_method: "S256",
    state: "fuzz-state",
    nonce: "fuzz-nonce",
  };
  const params = paramSet(context, authParams, valid, extraAuthParams);
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(queryOf(params), origin(context)).map(([query, o]): OidcInput => ({ endpoint: "auth", method: "GET", path: `${mount}/auth?${query}`, headers: withHeaders({}, { origin: o }), rightClientAuth: false })) },
    {
      weight: 1,
      arbitrary: fc.tuple(bodyOf(params), formContentType, fc.constantFrom("POST", "PUT", "DELETE", "HEAD")).map(
        ([body, type, method]): OidcInput => ({ endpoint: "auth", method, path: `${mount}/auth`, headers: withHeaders({}, { "content-type": type }), body, rightClientAuth: false }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...context.interactions.map((i) => i.uid), "no-such-uid", "%zz", "a".repeat(200)), fc.constantFrom(...context.interactions.map((i) => i.cookie)), fc.boolean()).map(
        ([uid, cookie, withCookie]): OidcInput => ({ endpoint: "resume", method: "GET", path: `${mount}/auth/${uid}`, headers: withHeaders({}, { cookie: withCookie ? cookie : null }), rightClientAuth: false }),
      ),
    },
  );
}

function tokenRequests(context: OidcFuzzContext): fc.Arbitrary<OidcInput> {
  const exchange = paramSet(context, ["grant_type", "code", "code_verifier", "redirect_uri"], { grant_type: "authorization_code", code: freshCode, code_verifier: context.verifier, redirect_uri: context.client.redirectUri }, ["client_id", "client_secret", "scope", "refresh_token", "resource"]);
  const revoke = paramSet(context, ["token", "token_type_hint"], { token: context.accessToken, token_type_hint: "access_token" }, ["client_id", "client_secret"]);
  const request = (endpoint: "token" | "revocation", path: string, params: fc.Arbitrary<[string, FormValue][]>) =>
    fc
      .tuple(bodyOf(params), formContentType, basicAuth(context), fc.oneof({ weight: 12, arbitrary: fc.constant("POST") }, fc.constantFrom("GET", "PUT", "OPTIONS", "HEAD")), origin(context))
      .map(([body, type, auth, method, o]): OidcInput => ({
        endpoint,
        method,
        path,
        headers: withHeaders({}, { "content-type": type, authorization: auth.header, origin: o }),
        body,
        rightClientAuth: auth.right,
      }));
  return fc.oneof(request("token", `${mount}/token`, exchange), request("revocation", `${mount}/token/revocation`, revoke));
}

function userinfo(context: OidcFuzzContext): fc.Arbitrary<OidcInput> {
  const bearer = fc.oneof(
    fc.constantFrom<string | null>(`Bearer ${context.accessToken}`, `Bearer ${context.accessToken}x`, `bearer ${context.accessToken}`, "Bearer", "Bearer ", `Bearer ${context.usedCode}`, `DPoP ${context.accessToken}`, null),
    headerJunk.map((junk) => `Bearer ${junk}`),
    headerJunk,
  );
  return fc
    .tuple(bearer, fc.constantFrom("GET", "GET", "POST", "HEAD", "DELETE"), fc.option(queryOf(paramSet(context, [], {}, ["access_token", "claims", "scope"])), { freq: 3 }))
    .map(([auth, method, query]): OidcInput => ({ endpoint: "userinfo", method, path: `${mount}/me${query === null ? "" : `?${query}`}`, headers: withHeaders({}, { authorization: auth }), rightClientAuth: false }));
}

function interactionRequests(context: OidcFuzzContext): fc.Arbitrary<OidcInput> {
  const uids = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...context.interactions.map((i) => i.uid)) },
    fc.constantFrom("no-such-uid", "a".repeat(64), "a".repeat(65), "%zz", "..", "%2e%2e", "a%2Fb", "a;b", "_-_", "%00"),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
  );
  const form = paramSet(context, ["decision"], { decision: "allow" }, ["share_phone", "login", "decision"]).map((entries) =>
    entries.map(([name, value]): [string, FormValue] => [name, name === "decision" && typeof value !== "string" ? "deny" : value]),
  );
  return fc
    .tuple(uids, fc.constantFrom("", "", "/status", "/login", "/consent", "/consent", "/abort", "/", "/login/x"), fc.constantFrom("GET", "POST", "POST", "PUT", "HEAD"), origin(context), formContentType, bodyOf(form))
    .chain(([uid, step, method, o, type, body]) => {
      const own = context.interactions.find((i) => i.uid === uid)?.cookie;
      return interactionCookie(context, own).map(
        (cookie): OidcInput => ({
          endpoint: step === "/status" ? "status" : "interaction",
          method,
          path: `${mount}/interaction/${uid}${step}`,
          headers: withHeaders({}, { cookie, origin: o, ...(method === "POST" ? { "content-type": type } : {}) }),
          ...(method === "POST" ? { body } : {}),
          rightClientAuth: false,
        }),
      );
    });
}

function elsewhere(): fc.Arbitrary<OidcInput> {
  return fc
    .tuple(
      fc.oneof(
        fc.constantFrom("/.well-known/openid-configuration", "/jwks"),
        fc.constantFrom("", "/", "/unknown", "/session/end", "/reg", "/device/auth", "/request", "/token/introspection", "/../v1/keys", "/%zz", "/.well-known/../jwks", "//jwks", "/jwks/", "/JWKS", "?x=1", "/.well-known/openid-configuration?%zz"),
      ),
      fc.constantFrom("GET", "GET", "GET", "POST", "HEAD", "OPTIONS", "DELETE"),
      fc.option(headerJunk, { freq: 4 }),
    )
    .map(([path, method, accept]): OidcInput => {
      const endpoint = path === "/.well-known/openid-configuration" ? "discovery" : path === "/jwks" ? "jwks" : "other";
      return { endpoint, method, path: `${mount}${path}`, headers: withHeaders({}, { accept }), rightClientAuth: false };
    });
}

/** Requests to every part of the provider, most of them close to what a real client sends. */
export function oidcRequest(context: OidcFuzzContext): fc.Arbitrary<OidcInput> {
  return fc.oneof(
    { weight: 2, arbitrary: elsewhere() },
    { weight: 5, arbitrary: authorization(context) },
    { weight: 5, arbitrary: tokenRequests(context) },
    { weight: 2, arbitrary: userinfo(context) },
    { weight: 5, arbitrary: interactionRequests(context) },
  );
}

/** The bytes of `body`, with `code` where a fresh code goes. */
export function bodyBytes(body: OidcBody, code: string | undefined): Uint8Array {
  if (body.kind === "raw") return body.bytes;
  const entries = body.entries.map(([name, value]): [string, string] => [name, typeof value === "string" ? value : (code ?? "no-such-code")]);
  if (body.json) return Buffer.from(JSON.stringify(Object.fromEntries(entries)), "utf8");
  const text = entries.map(([name, value]) => encodeParam(name, value)).join("&");
  return Buffer.from(body.padding > 0 ? `${text}&pad=${"p".repeat(body.padding)}` : text, "utf8");
}

/** Whether a request needs a code minted just before it is sent. */
export function wantsFreshCode(input: OidcInput): boolean {
  return input.body?.kind === "form" && input.body.entries.some(([, value]) => value === freshCode);
}
