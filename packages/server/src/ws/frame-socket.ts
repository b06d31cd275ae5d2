// The request/response layer over one WebSocket: encodes and decodes frames, numbers outgoing
// requests and settles them with their responses, and answers incoming requests through a
// handler. A frame that cannot be decoded, or a response to no open request, closes the socket
// with MALFORMED_FRAME.
import { CloseCode, contentTypes, decodeFrame, encodeFrame, type Headers, type RequestFrame, WireError } from "@parley/protocol";
import type { RawData, WebSocket } from "ws";

/** Receives the answer to a request sent with `FrameSocket.send`. */
export interface ResponseListener {
  /**
   * Called exactly once per request: with the response's status, or with 0 when the connection
   * closed before a response came. `tag` is the value given to `send`.
   */
  answered(tag: number, status: number): void;
}

interface Pending {
  readonly sentAt: number;
  /** Size of the request frame. */
  readonly bytes: number;
  readonly listener: ResponseListener;
  readonly tag: number;
}

export type RequestHandler = (request: RequestFrame) => Promise<{ status: number; headers?: Headers; body: Uint8Array }>;

/**
 * The byte stream under the WebSocket, corked while frames are written so that every frame sent
 * to one socket within one turn of the event loop leaves in one system call.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Resource bounds of one socket (`connections.*` in the configuration). */
export interface FrameSocketBounds {
  /**
   * Unsent bytes (the WebSocket's queue and its socket's) beyond which the socket is dropped at
   * once, without a close frame: a peer that does not read would otherwise grow our memory.
   */
  readonly maxBufferedBytes: number;
  /** Incoming requests handled at once; beyond it the socket is not read until one is answered. */
  readonly maxPendingRequests: number;
  /** Told when the socket is dropped for not reading, with the bytes it had queued. */
  readonly onOverflow?: (bufferedBytes: number) => void;
}

const unbounded: FrameSocketBounds = { maxBufferedBytes: 0, maxPendingRequests: 0 };

export class ConnectionClosedError extends Error {
  override readonly name = "ConnectionClosedError";
}

const protobufHeaders: Headers = { "content-type": contentTypes.protobuf };
const noHeaders: Headers = {};
/**
 * Frames are encoded into pooled Buffers: no allocation of their own per frame, and ws sends a
 * Buffer without wrapping it. encodeFrame writes every byte, so unzeroed memory never leaves.
 */
const allocateFrame = (size: number): Uint8Array => Buffer.allocUnsafe(size);
const viewBodies = { views: true } as const;

/** Settles a promise from a ResponseListener answer (0: the connection closed first). */
class PromisedAnswer implements ResponseListener {
  constructor(
    private readonly resolve: (status: number) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  answered(_tag: number, status: number): void {
    if (status === 0) this.reject(new ConnectionClosedError("connection closed"));
    else this.resolve(status);
  }
}

export class FrameSocket {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** Incoming requests whose response is not written yet. */
  private handling = 0;
  private closeWhenAnswered: { code: number; reason: string } | undefined;
  /** Frames received so far: the idle check compares it between two looks. */
  private frames = 0;
  /** Bytes of the requests sent and not answered yet (bounded elsewhere: delivery window, timeout). */
  private pendingBytes = 0;
  private paused = false;
  private corked = false;
  private readonly uncork = (): void => {
    this.corked = false;
    this.transport?.uncork();
  };

  /**
   * `transport`, when given, is the stream the WebSocket writes to; frames written in one turn
   * of the event loop are then coalesced (it is uncorked on the next tick).
   */
  constructor(
    readonly ws: WebSocket,
    private readonly handler: RequestHandler,
    private readonly now: () => number,
    onClose: () => void,
    private readonly transport?: Corkable,
    private readonly bounds: FrameSocketBounds = unbounded,
  ) {
    ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    ws.on("close", () => {
      this.closed = true;
      const pending = [...this.pending.values()];
      this.pending.clear();
      // The owner learns of the close before any request is answered as failed.
      onClose();
      for (const p of pending) p.listener.answered(p.tag, 0);
    });
    ws.on("error", () => undefined);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Frames received from the peer so far (requests and responses). */
  get framesReceived(): number {
    return this.frames;
  }

  /** Sends a request; resolves with the response status, rejects with ConnectionClosedError. */
  request(verb: "PUT" | "GET" | "POST" | "DELETE", path: string, body: Uint8Array, headers: Headers = protobufHeaders): Promise<number> {
    if (this.closed) return Promise.reject(new ConnectionClosedError("connection closed"));
    return new Promise<number>((resolve, reject) => this.send(verb, path, body, new PromisedAnswer(resolve, reject), 0, headers));
  }

  /**
   * Sends a request without allocating a promise (the delivery hot path); `listener.answered(tag,
   * status)` follows exactly once, on this or a later turn.
   */
  send(
    verb: "PUT" | "GET" | "POST" | "DELETE",
    path: string,
    body: Uint8Array,
    listener: ResponseListener,
    tag: number,
    headers: Headers = protobufHeaders,
  ): void {
    if (this.closed) {
      queueMicrotask(() => listener.answered(tag, 0));
      return;
    }
    const id = this.nextId++;
    const frame = encodeFrame({ kind: "request", id, verb, path, headers, body }, allocateFrame);
    this.pending.set(id, { sentAt: this.now(), bytes: frame.length, listener, tag });
    this.pendingBytes += frame.length;
    this.write(frame);
  }

  /** When the oldest unanswered request was sent, or undefined when none is open. */
  oldestPendingSentAt(): number | undefined {
    for (const p of this.pending.values()) return p.sentAt;
    return undefined;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
  }

  /** Closes once every request already received has its response written. */
  closeAfterResponses(code: number, reason: string): void {
    if (this.handling === 0) this.close(code, reason);
    else this.closeWhenAnswered ??= { code, reason };
  }

  private write(frame: Uint8Array): void {
    if (!this.corked && this.transport !== undefined) {
      this.corked = true;
      this.transport.cork();
      process.nextTick(this.uncork);
    }
    this.ws.send(frame);
    // Requests still unanswered are left out: the client has not read them all yet by definition,
    // and they are bounded already (the delivery window, the request timeout). What remains is
    // what the client should have read and has not, which nothing else bounds.
    const max = this.bounds.maxBufferedBytes;
    if (max > 0 && this.ws.bufferedAmount - this.pendingBytes > max) this.overflow();
  }

  private overflow(): void {
    if (this.closed) return;
    this.closed = true;
    this.bounds.onOverflow?.(this.ws.bufferedAmount);
    this.ws.terminate();
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    this.frames++;
    if (!isBinary || !(data instanceof Buffer)) {
      this.close(CloseCode.MalformedFrame, "binary frames only");
      return;
    }
    let frame;
    try {
      // The body stays a view into `data`, which ws never reuses; handlers only decode bodies,
      // never keep them.
      frame = decodeFrame(data, viewBodies);
    } catch (error) {
      if (error instanceof WireError) {
        this.close(CloseCode.MalformedFrame, "malformed frame");
        return;
      }
      throw error;
    }
    if (frame.kind === "response") {
      const pending = this.pending.get(frame.id);
      if (!pending) {
        this.close(CloseCode.MalformedFrame, "response to no open request");
        return;
      }
      this.pending.delete(frame.id);
      this.pendingBytes -= pending.bytes;
      pending.listener.answered(pending.tag, frame.status);
      return;
    }
    const id = frame.id;
    const maxPending = this.bounds.maxPendingRequests;
    if (++this.handling >= maxPending && maxPending > 0 && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
    void this.handler(frame).then((response) => {
      this.handling--;
      if (this.paused && this.handling < maxPending) {
        this.paused = false;
        this.ws.resume();
      }
      if (this.closed) return;
      const { status, headers, body } = response;
      this.write(encodeFrame({ kind: "response", id, status, headers: headers ?? noHeaders, body }, allocateFrame));
      if (this.closeWhenAnswered && this.handling === 0) this.close(this.closeWhenAnswered.code, this.closeWhenAnswered.reason);
    });
  }
}
