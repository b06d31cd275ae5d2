// Fuzz targets over HTTP: every route of the OpenAPI document with generated parameters, bodies,
// content types and credentials, and raw request bytes no HTTP client would write. Whatever comes
// in, the answer is never a 5xx, every error carries a code from the protocol's list with its
// status, and the server logs no fault.
import { basicAuthorization } from "@parley/protocol";
import fc from "fast-check";
import { applyMutations, byteMutation } from "./byte-mutation.js";
import { FuzzCheckError, runFuzz, type FuzzResult, type FuzzRunOptions } from "./fuzz-run.js";
import { fuzzLimits, type FuzzServer } from "./fuzz-server.js";
import { judgeAnswer } from "./response-checks.js";
import { routeRequest, routesOf, type AuthChoice, type RouteRequest } from "./route-model.js";

export function authorizationOf(server: FuzzServer, auth: AuthChoice): string | undefined {
  const header = (device: { credentials: { accountId: string; deviceId: number; password: string } }, password = device.credentials.password) =>
    basicAuthorization(device.credentials.accountId, device.credentials.deviceId, password);
  switch (auth) {
    case "none":
      return undefined;
    case "alice":
      return header(server.alice);
    case "aliceLaptop":
      return header(server.aliceLaptop);
    case "bob":
      return header(server.bob);
    case "bobLaptop":
      return header(server.bobLaptop);
    case "wrongPassword":
      return header(server.alice, `${server.alice.credentials.password.slice(0, -1)}A`);
    default:
      return auth.header;
  }
}

function describe(request: RouteRequest): string {
  const body = request.body === undefined ? "no body" : `${request.body.length}-byte body ${JSON.stringify(Buffer.from(request.body.subarray(0, 200)).toString("utf8"))}`;
  const auth = typeof request.auth === "string" ? request.auth : `header ${JSON.stringify(request.auth.header.slice(0, 80))}`;
  return `${request.method} ${request.path.slice(0, 300)} (route ${request.route}, auth ${auth}, content-type ${JSON.stringify(request.contentType)}, ${body})`;
}

export async function fuzzRoutes(server: FuzzServer, options: FuzzRunOptions): Promise<FuzzResult> {
  const routes = await routesOf(server);
  const result = await runFuzz(
    "http/routes",
    routeRequest(routes, server, fuzzLimits.maxBodyBytes),
    async (request, tally) => {
      const headers: Record<string, string> = {};
      const authorization = authorizationOf(server, request.auth);
      if (authorization !== undefined) headers["authorization"] = authorization;
      if (request.contentType !== undefined) headers["content-type"] = request.contentType;
      const started = performance.now();
      const answer = await server.http.send({ method: request.method, path: request.path, headers, ...(request.body ? { body: request.body } : {}) });
      tally.timed(performance.now() - started, () => `${request.method} ${request.path.slice(0, 80)} with ${request.body?.length ?? 0} bytes`);
      const { outcome } = judgeAnswer(answer, () => describe(request), { head: request.method === "HEAD" });
      server.checkFaults(() => describe(request));
      tally.count(answer.status < 300 ? `${outcome} ${request.route}` : outcome);
    },
    options,
  );
  await server.assertServing();
  return result;
}

const validRequest = fc.record({
  method: fc.constantFrom("GET", "PUT", "POST", "DELETE"),
  path: fc.constantFrom("/healthz", "/v1/verification/sessions", "/v1/keys", "/v1/devices/2"),
  body: fc.constantFrom("", '{"identifier":{"kind":"username","value":"abc"}}', "{}"),
  chunked: fc.boolean(),
});

/** A request as bytes on the wire, well-formed before mutation. */
function requestText(r: { method: string; path: string; body: string; chunked: boolean }): Uint8Array {
  const head = [`${r.method} ${r.path} HTTP/1.1`, "Host: localhost", "Content-Type: application/json"];
  const body = r.chunked ? `${r.body.length.toString(16)}\r\n${r.body}\r\n0\r\n\r\n` : r.body;
  head.push(r.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${r.body.length}`);
  return new TextEncoder().encode(`${head.join("\r\n")}\r\n\r\n${body}`);
}

const rawRequest = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(validRequest.map(requestText), fc.array(byteMutation, { minLength: 1, maxLength: 4 })).map(([bytes, m]) => applyMutations(bytes, m)) },
  fc.uint8Array({ minLength: 1, maxLength: 200 }),
  fc.constantFrom(
    "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    "GET /v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /\u00ff HTTP/1.1\r\nHost: x\r\n\r\n",
    `GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET /healthz HTTP/1.1\r\nHost: x\r\nX: ${"b".repeat(20_000)}\r\n\r\n`,
    "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
    "GET /healthz\r\n\r\n",
    "\r\n\r\n",
  ).map((text) => Buffer.from(text, "latin1")),
);

/** The status and body of the first answer in what the server wrote back. */
function parseRawAnswer(bytes: Buffer): { status: number; contentType: string | undefined; body: Buffer } | undefined {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const head = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? "");
  if (!status) return undefined;
  const header = (name: string) => head.find((line) => line.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
  const length = Number(header("content-length") ?? "0");
  return { status: Number(status[1]), contentType: header("content-type"), body: bytes.subarray(end + 4, end + 4 + length) };
}

export async function fuzzRawHttp(server: FuzzServer, options: FuzzRunOptions): Promise<FuzzResult> {
  const result = await runFuzz(
    "http/raw-requests",
    rawRequest,
    async (bytes, tally) => {
      const written = await server.http.sendRaw(bytes);
      const what = () => `raw request ${JSON.stringify(Buffer.from(bytes.subarray(0, 200)).toString("latin1"))}`;
      if (written.length === 0) {
        // An empty or unfinished request (the client half-closed mid-way) may get no answer.
        tally.count("closed without answer");
        return;
      }
      const answer = parseRawAnswer(written);
      if (!answer) throw new FuzzCheckError(`${what()}: the server wrote something that is no HTTP answer`);
      tally.count(judgeAnswer(answer, what).outcome);
      server.checkFaults(what);
    },
    options,
  );
  await server.assertServing();
  return result;
}
