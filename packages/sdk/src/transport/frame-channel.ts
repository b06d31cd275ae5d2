// Request/response over one open WebSocket, in the frames of @parley/protocol. Either side sends
// requests; each is answered by a response with its id. The server's requests (envelopes, the
// queue-empty marker) go to the handler; its 2xx answer is the acknowledgement, so the handler
// must only resolve once the envelope is stored.
import { decodeFrame, encodeFrame, type Headers, type RequestFrame, type Verb } from "@parley/protocol";
import { ParleyError, SdkErrorCode } from "../errors.js";
import type { WebSocketLike } from "./websocket-like.js";

export interface ChannelResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export interface IncomingRequest {
  readonly verb: Verb;
  readonly path: string;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export type IncomingHandler = (request: IncomingRequest) => Promise<{ status: number; body?: Uint8Array }>;

interface Pending {
  resolve(response: ChannelResponse): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

export class FrameChannel {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: ParleyError | undefined;

  constructor(
    private readonly socket: WebSocketLike,
    private readonly handler: IncomingHandler,
    private readonly requestTimeoutMs: number,
    private readonly onViolation: (error: unknown) => void,
  ) {}

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  request(verb: Verb, path: string, body?: Uint8Array, headers: Headers = {}): Promise<ChannelResponse> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<ChannelResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ParleyError(SdkErrorCode.RequestTimeout, `${verb} ${path}: no answer in ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.socket.send(encodeFrame({ kind: "request", id, verb, path, headers, body: body ?? new Uint8Array(0) }));
    });
  }

  /** Feeds one received WebSocket message. */
  receive(data: Uint8Array): void {
    let frame;
    try {
      frame = decodeFrame(data);
    } catch (error) {
      this.onViolation(error);
      return;
    }
    if (frame.kind === "response") {
      const pending = this.#pending.get(frame.id);
      if (!pending) return this.onViolation(new ParleyError(SdkErrorCode.ProtocolViolation, `a response to no open request (${frame.id})`));
      this.#pending.delete(frame.id);
      clearTimeout(pending.timer);
      pending.resolve({ status: frame.status, headers: frame.headers, body: frame.body });
      return;
    }
    void this.answer(frame);
  }

  /** Rejects every open request; later requests reject at once. */
  fail(error: ParleyError): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }

  private async answer(frame: RequestFrame): Promise<void> {
    let status: number;
    let body: Uint8Array | undefined;
    try {
      ({ status, body } = await this.handler(frame));
    } catch {
      // Not acknowledged: the server keeps the envelope and redelivers it on a later connection.
      status = 500;
    }
    if (this.#closed) return;
    this.socket.send(encodeFrame({ kind: "response", id: frame.id, status, headers: {}, body: body ?? new Uint8Array(0) }));
  }
}
