// The routes to attack, read from the server's own OpenAPI document: every path, method, parameter
// and body schema it declares, so a route added later is fuzzed without anyone listing it here.
// Requests are generated per route: parameters and bodies valid, nearly valid or hostile, with
// hints that fill fields with values known to the server (ids, keys, tokens).
import { usernamePattern, type UploadKeys } from "@parley/protocol";
import fc from "fast-check";
import type { FuzzServer, KeyPool } from "./fuzz-server.js";
import { applyJsonMutations, jsonMutation, nastyValue, objectOf, rawBody, serializeBody, textDamage, validFor, type JsonSchema } from "./json-fuzz.js";

export interface RouteSpec {
  readonly method: string;
  /** OpenAPI path template: /v1/keys/{accountId}/{deviceId} */
  readonly template: string;
  readonly params: readonly string[];
  readonly body: JsonSchema | undefined;
  readonly protobuf: boolean;
  readonly auth: boolean;
}

interface OpenApiOperation {
  readonly parameters?: readonly { readonly in: string; readonly name: string }[];
  readonly requestBody?: { readonly content?: Readonly<Record<string, { readonly schema?: JsonSchema }>> };
  readonly security?: readonly unknown[];
}

/** Every operation of the server's OpenAPI document. */
export async function routesOf(server: FuzzServer): Promise<RouteSpec[]> {
  const document = JSON.parse(JSON.stringify(await server.test.server.openapi())) as { paths: Record<string, Record<string, OpenApiOperation>> };
  const routes: RouteSpec[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const content = operation.requestBody?.content ?? {};
      routes.push({
        method: method.toUpperCase(),
        template,
        params: (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
        body: content["application/json"]?.schema,
        protobuf: "application/x-protobuf" in content,
        auth: (operation.security ?? []).length > 0,
      });
    }
  }
  return routes;
}

export type AuthChoice = "none" | "alice" | "aliceLaptop" | "bob" | "bobLaptop" | "wrongPassword" | { readonly header: string };

export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  readonly auth: AuthChoice;
  readonly contentType: string | undefined;
  readonly body: Uint8Array | undefined;
  /** The route the request was made from, before any damage to its path. */
  readonly route: string;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("application/json", undefined) },
  fc.constantFrom(
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/json;charset=utf-16",
    " application/json ",
    "application/json;",
    ";",
    "",
    "text/plain",
    "application/x-protobuf",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/*",
    "*/*",
  ),
  fc.stringMatching(/^[!-~]{0,40}$/),
);

export const authChoice: fc.Arbitrary<AuthChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("none" as const) },
  { weight: 4, arbitrary: fc.constant("alice" as const) },
  fc.constantFrom("aliceLaptop" as const, "bob" as const, "bobLaptop" as const, "wrongPassword" as const),
  fc.oneof(
    fc.stringMatching(/^[\t -~]{0,80}$/),
    fc.tuple(fc.constantFrom("Basic ", "basic "), fc.string({ maxLength: 80 })).map(([s, login]) => s + Buffer.from(login).toString("base64")),
    fc.constantFrom("Basic", "Basic ", "Basic ====", `Basic ${"A".repeat(600)}`),
  ).map((header) => ({ header: header.trim() })),
);

/** Values for path parameters: known ids, nearly valid ones, and hostile text. */
function paramValue(name: string, server: FuzzServer): fc.Arbitrary<string> {
  // Not carol's: her mailbox stays empty for the raw socket target.
  const accounts = [server.alice, server.bob].map((d) => d.credentials.accountId);
  const hostile = fc.oneof(
    fc.constantFrom("", " ", "0", "-1", "..", ".", "%", "null", "undefined", "*", "\u0000", "é", "x".repeat(129), "1".repeat(2000)),
    fc.string({ unit: "binary", maxLength: 40 }),
  );
  const known: Record<string, fc.Arbitrary<string>> = {
    accountId: fc.oneof(fc.constantFrom(...accounts), fc.uuid(), fc.constantFrom(...accounts).map((id) => id.toUpperCase())),
    deviceId: fc.oneof(fc.constantFrom("1", "2", "3", "4", "5", "6", "127", "*"), fc.constantFrom("0", "128", "01", "1e2", " 1", "1.5", "999", "0x7f", "+1", "%2A")),
    sessionId: fc.oneof(fc.constantFrom(...server.sessions.map((s) => s.sessionId)), fc.base64String({ maxLength: 32 })),
    address: fc.base64String({ minLength: 24, maxLength: 24 }).map((s) => s.replaceAll("+", "-").replaceAll("/", "_")),
    kind: fc.constantFrom("phone", "username", "Phone", "email"),
    identifier: fc.oneof(
      fc.constantFrom("+4915112345678", "+14155552671", "+999999999999999", "+0", "+", "%2B4915112345678"),
      fc.stringMatching(usernamePattern),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,40}$/),
    ),
  };
  return fc.oneof({ weight: 4, arbitrary: known[name] ?? fc.string({ maxLength: 20 }) }, hostile);
}

/** Percent-encodes the UTF-8 of `value` (lone surrogates as U+FFFD), keeping unreserved characters. */
export function percentEncode(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** How a parameter is written into the path: encoded, raw, or with broken percent-encoding. */
function writeParam(value: string, mode: number): string {
  switch (mode) {
    case 0:
      return value.replace(/[^\x21-\x7e]|[?#/%]/g, (c) => percentEncode(c));
    case 1:
      return `${percentEncode(value)}%`;
    case 2:
      return `${percentEncode(value)}%zz%E0%A4%A`;
    default:
      return percentEncode(value);
  }
}

/** Path changes a server must answer sensibly: a trailing slash, doubled slashes, case, query, fragment. */
function damagePath(path: string, damage: number, extra: string): string {
  switch (damage) {
    case 1:
      return `${path}/`;
    case 2:
      return `/${path}`;
    case 3:
      return path.toUpperCase();
    case 4:
      return `${path}?${percentEncode(extra)}=1&x`;
    case 5:
      return `${path}#${percentEncode(extra)}`;
    case 6:
      return path.replace(/\/[^/]*$/, "/..");
    case 7:
      return `${path}/${percentEncode(extra)}`;
    default:
      return path;
  }
}

/** Bodies that should get through validation to the handler: keys signed by the right identity, pooled tokens. */
function knownBodies(route: RouteSpec, server: FuzzServer): fc.Arbitrary<unknown> | undefined {
  const pools = [server.pools.alice, server.pools.bob, ...server.pools.fresh];
  const deviceKeys = (pool: KeyPool) =>
    fc.record({
      identityKey: fc.constant(pool.identityKey),
      registrationId: fc.integer({ min: 1, max: 0x3fff }),
      signedPreKey: fc.constantFrom(...pool.signedPreKeys),
      pqLastResortPreKey: fc.constantFrom(...pool.kyberPreKeys),
    });
  const withName = <T extends object>(body: fc.Arbitrary<T>) =>
    fc.tuple(body, fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 64 }), fc.string({ unit: "binary", minLength: 1, maxLength: 64 })), { nil: undefined })).map(([b, name]) => (name === undefined ? b : { ...b, name }));
  switch (`${route.method} ${route.template}`) {
    case "POST /v1/verification/sessions":
      return fc.oneof(
        fc.stringMatching(usernamePattern).map((value) => ({ identifier: { kind: "username", value } })),
        fc.constantFrom("+4915112345678", "+14155552671", "+442071838750", "+12345").map((value) => ({ identifier: { kind: "phone", value } })),
      );
    case "PUT /v1/verification/sessions/{sessionId}/code":
      return fc.oneof(fc.constantFrom(...server.sessions.map((s) => s.code)), fc.stringMatching(/^[0-9]{4,10}$/)).map((code) => ({ code }));
    case "POST /v1/registration":
      return withName(fc.tuple(fc.constantFrom(...server.sessions.map((s) => s.sessionId)), fc.constantFrom(...pools).chain(deviceKeys)).map(([sessionId, keys]) => ({ sessionId, ...keys })));
    case "POST /v1/devices/link":
      return withName(fc.tuple(fc.constantFrom(...server.linkTokens), fc.constantFrom(...pools).chain(deviceKeys)).map(([token, keys]) => ({ token, ...keys })));
    case "PUT /v1/devices/list":
      return fc.constantFrom(...pools.flatMap((p) => p.deviceLists));
    case "PUT /v1/provisioning/{address}":
      return fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ body: b64(bytes) }));
    case "PUT /v1/keys":
      return fc.constantFrom(...pools).chain((pool) =>
        fc
          .record(
            {
              signedPreKey: fc.constantFrom(...pool.signedPreKeys),
              pqLastResortPreKey: fc.constantFrom(...pool.kyberPreKeys),
              preKeys: fc.subarray([...pool.preKeys], { maxLength: 25 }),
              pqPreKeys: fc.subarray([...pool.kyberPreKeys]),
            },
            { requiredKeys: [] },
          )
          .map((body): UploadKeys => body),
      );
    default:
      return undefined;
  }
}

/** Field values by property name, so schema-shaped bodies carry known ids and keys. */
function fieldHints(server: FuzzServer): Record<string, fc.Arbitrary<unknown>> {
  const pools = [server.pools.alice, server.pools.bob, ...server.pools.fresh];
  return {
    sessionId: fc.constantFrom(...server.sessions.map((s) => s.sessionId)),
    token: fc.constantFrom(...server.linkTokens),
    identityKey: fc.constantFrom(...pools.map((p) => p.identityKey)),
    signedPreKey: fc.constantFrom(...pools.flatMap((p) => p.signedPreKeys)),
    pqLastResortPreKey: fc.constantFrom(...pools.flatMap((p) => p.kyberPreKeys)),
    preKeys: fc.subarray([...server.pools.alice.preKeys], { maxLength: 25 }),
    deviceId: fc.integer({ min: 1, max: 6 }),
    code: fc.constantFrom(...server.sessions.map((s) => s.code)),
  };
}

/** Large bodies near the size limit: long arrays and objects with many keys (validation cost). */
function bulkBody(maxBytes: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom("preKeys", "messages", "identifier", "pqPreKeys"), fc.constantFrom("0", "{}", '"x"', "[]"), fc.boolean(), fc.double({ min: 0.1, max: 0.99, noNaN: true })).map(([key, item, asObject, fill]) => {
    const count = Math.floor((maxBytes * fill) / (item.length + 8));
    const text = asObject
      ? `{${Array.from({ length: count }, (_, i) => `"k${i}":${item}`).join(",")}}`
      : `{"timestamp":1,${JSON.stringify(key)}:[${Array.from({ length: count }, () => item).join(",")}]}`;
    return new TextEncoder().encode(text);
  });
}

/** Requests for every route, and for paths no route has. */
export function routeRequest(routes: readonly RouteSpec[], server: FuzzServer, maxBodyBytes: number): fc.Arbitrary<RouteRequest> {
  const hints = fieldHints(server);
  const perRoute = routes.map((route) => {
    const params = fc.tuple(...route.params.map((name) => fc.tuple(fc.constant(name), paramValue(name, server), fc.nat({ max: 12 }))));
    const known = knownBodies(route, server);
    const schemaBody = route.body ? validFor(route.body, hints) : fc.constant(objectOf([]));
    const value = fc.oneof({ weight: 3, arbitrary: known ?? schemaBody }, { weight: 2, arbitrary: schemaBody }, nastyValue());
    const json = fc
      .tuple(value, fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, fc.array(jsonMutation, { minLength: 1, maxLength: 3 })), textDamage)
      .map(([v, mutations, damage]) => serializeBody(applyJsonMutations(v, mutations), damage));
    const body = fc.oneof(
      { weight: route.body ? 24 : 1, arbitrary: json },
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: rawBody },
      { weight: 1, arbitrary: bulkBody(maxBodyBytes) },
      { weight: 1, arbitrary: fc.integer({ min: maxBodyBytes - 1, max: maxBodyBytes + 64 }).map((n) => new Uint8Array(n).fill(0x20)) },
    );
    return fc
      .record({
        params,
        method: fc.oneof({ weight: 12, arbitrary: fc.constant(route.method) }, fc.constantFrom("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")),
        pathDamage: fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 7 })),
        extra: fc.string({ maxLength: 10 }),
        auth: authChoice,
        contentType,
        body,
      })
      .map(({ params, method, pathDamage, extra, auth, contentType, body }): RouteRequest => {
        let path = route.template;
        for (const [name, value, mode] of params) path = path.replace(`{${name}}`, writeParam(value, mode));
        return { method, path: damagePath(path, pathDamage, extra), auth, contentType, body, route: `${route.method} ${route.template}` };
      });
  });
  const randomPath = fc
    .record({
      segments: fc.array(fc.oneof(fc.constantFrom("v1", "keys", "messages", "devices", "websocket", "metrics", "..", ""), fc.string({ maxLength: 12 })), { maxLength: 6 }),
      method: fc.constantFrom("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"),
      auth: authChoice,
      contentType,
      body: fc.option(rawBody, { nil: undefined }),
    })
    .map(({ segments, method, auth, contentType, body }): RouteRequest => ({
      method,
      path: `/${segments.map((s) => percentEncode(s)).join("/")}`,
      auth,
      contentType,
      body,
      route: "(no route)",
    }));
  return fc.oneof({ weight: 12, arbitrary: fc.oneof(...perRoute) }, randomPath);
}
