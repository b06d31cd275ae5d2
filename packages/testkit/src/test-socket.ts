// A WebSocket client for tests that speaks Parley frames: it queues the server's requests for the
// test to inspect and answer, and sends its own requests and awaits their responses. Waiting has a
// deadline that fails the test; nothing sleeps.
import {
  basicAuthorization,
  decodeFrame,
  encodeFrame,
  type Credentials,
  type Headers,
  type RequestFrame,
  type ResponseFrame,
  type Verb,
} from "@parley/protocol";
import WebSocket from "ws";

export interface TestSocketOptions {
  /** Path of the socket (default /v1/websocket). */
  readonly path?: string;
  /** Answer every server request with this status automatically (still recorded). */
  readonly autoRespond?: number;
  /** Deadline for `nextRequest` and `request` (ms). */
  readonly timeoutMs?: number;
  /** Trust anchor for a wss:// server with a test certificate. */
  readonly ca?: string;
  /** Connect from this local address (another loopback address, say: 127.0.0.2). */
  readonly localAddress?: string;
  /** Extra headers on the upgrade request (X-Forwarded-For, say). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class TestSocket {
  /** Every request the server sent, in order. */
  readonly received: RequestFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiting: RequestFrame[] = [];
  private readonly waiters: ((frame: RequestFrame) => void)[] = [];
  private readonly responses = new Map<number, (frame: ResponseFrame) => void>();
  private nextId = 1;

  private constructor(
    readonly ws: WebSocket,
    private readonly options: TestSocketOptions,
  ) {
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("message", (data: Buffer) => this.onFrame(decodeFrame(new Uint8Array(data))));
  }

  static async connect(baseUrl: string, credentials: Credentials | undefined, options: TestSocketOptions = {}): Promise<TestSocket> {
    const url = baseUrl.replace(/^http/, "ws") + (options.path ?? "/v1/websocket");
    const headers: Record<string, string> = credentials
      ? { authorization: basicAuthorization(credentials.accountId, credentials.deviceId, credentials.password) }
      : {};
    const ws = new WebSocket(url, {
      headers: { ...options.headers, ...headers },
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
    const socket = new TestSocket(ws, options);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("unexpected-response", (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once("error", reject);
    });
    return socket;
  }

  /** The next server request not yet taken. */
  nextRequest(): Promise<RequestFrame> {
    const ready = this.waiting.shift();
    if (ready) return Promise.resolve(ready);
    return this.withDeadline(new Promise((resolve) => this.waiters.push(resolve)), "a server request");
  }

  respond(request: RequestFrame, status: number): void {
    this.ws.send(encodeFrame({ kind: "response", id: request.id, status, headers: {}, body: new Uint8Array(0) }));
  }

  /** Sends a request frame and waits for its response. */
  request(verb: Verb, path: string, body?: Uint8Array | object, headers: Headers = {}): Promise<ResponseFrame> {
    const id = this.nextId++;
    let bytes: Uint8Array = new Uint8Array(0);
    if (body instanceof Uint8Array) bytes = body;
    else if (body !== undefined) {
      bytes = new Uint8Array(Buffer.from(JSON.stringify(body)));
      headers = { "content-type": "application/json", ...headers };
    }
    const response = new Promise<ResponseFrame>((resolve) => this.responses.set(id, resolve));
    this.ws.send(encodeFrame({ kind: "request", id, verb, path, headers, body: bytes }));
    return this.withDeadline(response, `the response to ${verb} ${path}`);
  }

  /** Sends raw bytes as one binary WebSocket message. */
  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data);
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) {
      this.ws.close();
      await this.closed;
    }
  }

  private onFrame(frame: ReturnType<typeof decodeFrame>): void {
    if (frame.kind === "response") {
      this.responses.get(frame.id)?.(frame);
      this.responses.delete(frame.id);
      return;
    }
    this.received.push(frame);
    if (this.options.autoRespond !== undefined) this.respond(frame, this.options.autoRespond);
    const waiter = this.waiters.shift();
    if (waiter) waiter(frame);
    else this.waiting.push(frame);
  }

  private withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  }
}
