// The request/response layer over one WebSocket: encodes and decodes frames, numbers outgoing
// requests and settles them with their responses, and answers incoming requests through a
// handler. A frame that cannot be decoded, or a response to no open request, closes the socket
// with MALFORMED_FRAME.
import { CloseCode, contentTypes, decodeFrame, encodeFrame, type Headers, type RequestFrame, WireError } from "@parley/protocol";
import type { RawData, WebSocket } from "ws";

interface Pending {
  readonly sentAt: number;
  readonly resolve: (status: number) => void;
  readonly reject: (error: Error) => void;
}

export type RequestHandler = (request: RequestFrame) => Promise<{ status: number; headers?: Headers; body: Uint8Array }>;

export class ConnectionClosedError extends Error {
  override readonly name = "ConnectionClosedError";
}

const protobufHeaders: Headers = { "content-type": contentTypes.protobuf };

export class FrameSocket {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** Incoming requests whose response is not written yet. */
  private handling = 0;
  private closeWhenAnswered: { code: number; reason: string } | undefined;

  constructor(
    readonly ws: WebSocket,
    private readonly handler: RequestHandler,
    private readonly now: () => number,
    onClose: () => void,
  ) {
    ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    ws.on("close", () => {
      this.closed = true;
      const error = new ConnectionClosedError("connection closed");
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      onClose();
    });
    ws.on("error", () => undefined);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends a request; resolves with the response status. */
  request(verb: "PUT" | "GET" | "POST" | "DELETE", path: string, body: Uint8Array, headers: Headers = protobufHeaders): Promise<number> {
    if (this.closed) return Promise.reject(new ConnectionClosedError("connection closed"));
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { sentAt: this.now(), resolve, reject });
      this.ws.send(encodeFrame({ kind: "request", id, verb, path, headers, body }), { binary: true });
    });
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

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!isBinary || !(data instanceof Buffer)) {
      this.close(CloseCode.MalformedFrame, "binary frames only");
      return;
    }
    let frame;
    try {
      frame = decodeFrame(data);
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
      pending.resolve(frame.status);
      return;
    }
    const id = frame.id;
    this.handling++;
    void this.handler(frame).then((response) => {
      this.handling--;
      if (this.closed) return;
      this.ws.send(encodeFrame({ kind: "response", id, status: response.status, headers: response.headers ?? {}, body: response.body }), {
        binary: true,
      });
      if (this.closeWhenAnswered && this.handling === 0) this.close(this.closeWhenAnswered.code, this.closeWhenAnswered.reason);
    });
  }
}
