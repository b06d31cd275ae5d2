// The honest client of the flood benchmark: one device socket (raw `ws` and the protocol codecs)
// that answers every server request with 200 and times its own requests, and a keep-alive HTTP
// agent that times plain requests. Latency is from the moment a request is issued to its answer.
import { Agent, request as httpRequest } from "node:http";
import { basicAuthorization, decodeFrame, encodeFrame, websocketPath, type Headers, type Verb } from "@parley/protocol";
import WebSocket from "ws";
import type { BenchAccount } from "../relay/register.js";

export interface Timed {
  readonly status: number;
  readonly ms: number;
}

const noHeaders: Headers = {};
const empty = new Uint8Array(0);

export class HonestSocket {
  private nextId = 1;
  private readonly pending = new Map<number, { readonly startedAt: number; readonly resolve: (timed: Timed) => void }>();
  /** Server requests answered (deliveries, queue-empty). */
  served = 0;
  closedWith: number | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.receive(data));
    ws.on("close", (code) => {
      this.closedWith = code;
      for (const p of this.pending.values()) p.resolve({ status: 0, ms: performance.now() - p.startedAt });
      this.pending.clear();
    });
  }

  static connect(baseUrl: string, account: BenchAccount): Promise<HonestSocket> {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + websocketPath, {
      headers: { authorization: basicAuthorization(account.accountId, account.deviceId, account.password) },
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new HonestSocket(ws)));
      ws.once("unexpected-response", (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /** Sends a request frame; resolves with its status (0: the socket closed first) and latency. */
  request(verb: Verb, path: string, body?: object): Promise<Timed> {
    const id = this.nextId++;
    const bytes = body === undefined ? empty : new Uint8Array(Buffer.from(JSON.stringify(body)));
    const headers = body === undefined ? noHeaders : { "content-type": "application/json" };
    return new Promise((resolve) => {
      this.pending.set(id, { startedAt: performance.now(), resolve });
      this.ws.send(encodeFrame({ kind: "request", id, verb, path, headers, body: bytes }));
    });
  }

  close(): void {
    this.ws.close(1000, "done");
  }

  private receive(data: Buffer): void {
    const frame = decodeFrame(new Uint8Array(data));
    if (frame.kind === "response") {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      pending.resolve({ status: frame.status, ms: performance.now() - pending.startedAt });
      return;
    }
    this.served++;
    this.ws.send(encodeFrame({ kind: "response", id: frame.id, status: 200, headers: noHeaders, body: empty }));
  }
}

/** Plain HTTP requests over one kept-alive connection, as an app talking REST would make them. */
export class HonestHttp {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly baseUrl: string,
    private readonly account: BenchAccount,
  ) {}

  get(path: string): Promise<Timed> {
    const url = new URL(path, this.baseUrl);
    const startedAt = performance.now();
    const authorization = basicAuthorization(this.account.accountId, this.account.deviceId, this.account.password);
    return new Promise((resolve) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, agent: this.agent, headers: { authorization } }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - startedAt }));
      });
      req.on("error", () => resolve({ status: 0, ms: performance.now() - startedAt }));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
