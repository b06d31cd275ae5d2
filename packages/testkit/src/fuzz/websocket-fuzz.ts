// Fuzz targets over the WebSocket: the route table through request frames on an authenticated
// socket (the same checks as over HTTP), and raw messages (bytes, mutated frames, text, oversized
// messages) on device and provisioning sockets. A message the protocol cannot take closes the
// socket with the documented code (4003, or 1009 when too large) and nothing else; a well-formed
// request is answered; and the server goes on serving.
import { basicAuthorization, CloseCode, decodeFrame, encodeFrame, WireError, type Frame, type Headers, type RequestFrame } from "@parley/protocol";
import fc from "fast-check";
import WebSocket from "ws";
import type { RegisteredDevice } from "../accounts.js";
import { TestSocket } from "../test-socket.js";
import { mutated, protobufShaped } from "./byte-mutation.js";
import { wellFormedFrame } from "./decoder-fuzz.js";
import { answerTimeoutMs } from "./fuzz-http-client.js";
import { FuzzCheckError, runFuzz, type FuzzResult, type FuzzRunOptions } from "./fuzz-run.js";
import { fuzzLimits, type FuzzServer } from "./fuzz-server.js";
import { judgeAnswer } from "./response-checks.js";
import { routeRequest, routesOf, type RouteRequest } from "./route-model.js";

const verbs = new Set(["GET", "PUT", "POST", "DELETE"]);

/** The path as a socket may send it: percent-encoded as over HTTP, or decoded to raw text. */
function socketPath(path: string, raw: boolean): string {
  if (!raw) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export async function fuzzSocketRequests(server: FuzzServer, options: FuzzRunOptions): Promise<FuzzResult> {
  const routes = await routesOf(server);
  const requests = fc.record({
    request: routeRequest(routes, server, fuzzLimits.maxFrameBytes - 8192),
    rawPath: fc.boolean(),
    headers: fc.dictionary(fc.stringMatching(/^[a-z][a-z-]{0,15}$/), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
  });
  let socket = await TestSocket.connect(server.url, server.alice.credentials, { autoRespond: 200, timeoutMs: answerTimeoutMs });
  try {
    const result = await runFuzz(
      "ws/requests",
      requests,
      async ({ request, rawPath, headers }, tally) => {
        const verb = verbs.has(request.method) ? request.method : "GET";
        const path = socketPath(request.path, rawPath).slice(0, 2048);
        const frameHeaders: Headers = { ...headers };
        if (request.contentType !== undefined) frameHeaders["content-type"] = request.contentType;
        // Ignored over the socket, which is authenticated as alice's primary.
        frameHeaders["authorization"] = basicAuthorization(server.bob.credentials.accountId, 1, "wrong");
        const what = () => describeFrame(verb, path, request);
        // Bodies stay below the frame limit: larger messages are the raw message target's.
        const body = (request.body ?? new Uint8Array(0)).subarray(0, fuzzLimits.maxFrameBytes - 8192);
        const closed = socket.closed.then(({ code }): never => {
          throw new FuzzCheckError(`${what()}: the socket closed with ${code} instead of answering`);
        });
        const response = await Promise.race([socket.request(verb as RequestFrame["verb"], path, body, frameHeaders), closed]);
        const contentType = response.headers["content-type"];
        const { outcome } = judgeAnswer({ status: response.status, contentType, body: response.body }, what);
        if (response.status !== 204 && response.body.length > 0 && contentType !== "application/json") throw new FuzzCheckError(`${what()}: answered without content-type:application/json`);
        server.checkFaults(what);
        tally.count(response.status < 300 ? `${outcome} ${request.route}` : outcome);
        // A request that removed a device may have been the socket's own; carry on with a new one.
        if (socket.ws.readyState !== WebSocket.OPEN) {
          await socket.close();
          socket = await TestSocket.connect(server.url, server.alice.credentials, { autoRespond: 200, timeoutMs: answerTimeoutMs });
        }
      },
      options,
    );
    await server.assertServing();
    return result;
  } finally {
    await socket.close();
  }
}

function describeFrame(verb: string, path: string, request: RouteRequest): string {
  const body = request.body === undefined ? "no body" : `${request.body.length}-byte body ${JSON.stringify(Buffer.from(request.body.subarray(0, 200)).toString("utf8"))}`;
  return `socket request ${verb} ${JSON.stringify(path.slice(0, 300))} (route ${request.route}, content-type ${JSON.stringify(request.contentType)}, ${body})`;
}

/** A bare client for raw messages: what the server sends, and how it closes. */
class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<number>;
  private waiter: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
    ws.on("error", () => undefined);
    ws.on("message", (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data));
      // Server requests (the queue-empty marker, the provisioning address) are answered at once,
      // so that no server request is open when a raw response goes out.
      if (frame.kind === "request") ws.send(encodeFrame({ kind: "response", id: frame.id, status: 200, headers: {}, body: new Uint8Array(0) }));
      this.frames.push(frame);
      this.waiter?.();
    });
  }

  static async open(url: string, path: string, device: RegisteredDevice | undefined): Promise<RawClient> {
    const headers = device ? { authorization: basicAuthorization(device.credentials.accountId, device.credentials.deviceId, device.credentials.password) } : undefined;
    const ws = new WebSocket(url.replace(/^http/, "ws") + path, headers ? { headers } : {});
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once("error", reject);
    });
    // Ready once the server's first request (queue-empty, or the provisioning address) is answered.
    await client.until(() => client.frames.some((f) => f.kind === "request"), "the server's first request");
    return client;
  }

  /** Waits until `condition` holds, the socket closes, or the deadline passes (which fails). */
  async until(condition: () => boolean, what: string): Promise<void> {
    let closed = false;
    void this.closed.then(() => {
      closed = true;
      this.waiter?.();
    });
    const deadline = Date.now() + answerTimeoutMs;
    while (!condition() && !closed) {
      if (Date.now() > deadline) throw new FuzzCheckError(`no ${what} within ${answerTimeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50).unref();
      });
    }
  }

  isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) {
      this.ws.close();
      await this.closed;
    }
  }
}

async function withDeadline<T>(promise: Promise<T>, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzCheckError(`${what()} for ${answerTimeoutMs} ms`)), answerTimeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

type RawMessage = { readonly kind: "binary"; readonly bytes: Uint8Array } | { readonly kind: "text"; readonly text: string };

const rawMessage = fc.record({
  provisioning: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
  message: fc.oneof(
    { weight: 4, arbitrary: mutated(wellFormedFrame.map((frame) => encodeFrame(frame))).map((bytes): RawMessage => ({ kind: "binary", bytes })) },
    { weight: 3, arbitrary: wellFormedFrame.map((frame): RawMessage => ({ kind: "binary", bytes: encodeFrame(frame) })) },
    fc.uint8Array({ maxLength: 300 }).map((bytes): RawMessage => ({ kind: "binary", bytes })),
    protobufShaped([1, 2]).map((bytes): RawMessage => ({ kind: "binary", bytes })),
    fc.string({ maxLength: 100 }).map((text): RawMessage => ({ kind: "text", text })),
    fc.integer({ min: fuzzLimits.maxFrameBytes - 2, max: fuzzLimits.maxFrameBytes + 2 }).map((n): RawMessage => ({ kind: "binary", bytes: new Uint8Array(n) })),
  ),
});

/** What the server must do with a raw message: close with a code, or answer a request. */
function expectation(message: RawMessage): { close: number } | { answer: number } {
  if (message.kind === "text") return { close: CloseCode.MalformedFrame };
  if (message.bytes.length > fuzzLimits.maxFrameBytes) return { close: CloseCode.MessageTooBig };
  let frame: Frame;
  try {
    frame = decodeFrame(message.bytes);
  } catch (error) {
    if (error instanceof WireError) return { close: CloseCode.MalformedFrame };
    throw error;
  }
  // Every server request was answered, so a response answers nothing.
  return frame.kind === "request" ? { answer: frame.id } : { close: CloseCode.MalformedFrame };
}

export async function fuzzSocketMessages(server: FuzzServer, options: FuzzRunOptions): Promise<FuzzResult> {
  const clients = new Map<boolean, RawClient>();
  const clientFor = async (provisioning: boolean) => {
    const open = clients.get(provisioning);
    if (open?.isOpen()) return open;
    const client = await RawClient.open(server.url, provisioning ? "/v1/provisioning" : "/v1/websocket", provisioning ? undefined : server.carol);
    clients.set(provisioning, client);
    return client;
  };
  try {
    const result = await runFuzz(
      "ws/raw-messages",
      rawMessage,
      async ({ provisioning, message }, tally) => {
        const client = await clientFor(provisioning);
        const want = expectation(message);
        const what = () => `${provisioning ? "provisioning" : "device"} socket sent ${message.kind === "text" ? JSON.stringify(message.text) : `${message.bytes.length} bytes ${Buffer.from(message.bytes.subarray(0, 120)).toString("hex")}`}`;
        const before = client.frames.length;
        client.ws.send(message.kind === "text" ? message.text : message.bytes);
        if ("close" in want) {
          const code = await withDeadline(client.closed, () => `${what()}: the socket stayed open`);
          if (code !== want.close) throw new FuzzCheckError(`${what()}: closed with ${code}, not ${want.close}`);
          tally.count(`${provisioning ? "provisioning" : "device"} closed ${code}`);
        } else {
          const answered = () => client.frames.slice(before).find((f) => f.kind === "response" && f.id === want.answer);
          await client.until(() => answered() !== undefined, "answer");
          const response = answered();
          if (!response || response.kind !== "response") throw new FuzzCheckError(`${what()}: the socket closed instead of answering`);
          if (provisioning) {
            // Documented: requests on a provisioning socket are answered 404 with an empty body.
            if (response.status !== 404 || response.body.length > 0) throw new FuzzCheckError(`${what()}: answered ${response.status}, not an empty 404`);
            tally.count("provisioning answered 404");
          } else {
            tally.count(`device answered ${judgeAnswer({ status: response.status, contentType: response.headers["content-type"], body: response.body }, what).outcome}`);
          }
        }
        server.checkFaults(what);
      },
      options,
    );
    await server.assertServing();
    return result;
  } finally {
    for (const client of clients.values()) await client.close();
  }
}
