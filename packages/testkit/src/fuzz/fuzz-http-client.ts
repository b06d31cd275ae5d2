// HTTP for the fuzz targets: node:http with a keep-alive agent, so paths, methods, headers and
// bodies go out as given (fetch would add a content type and normalize the path), and raw bytes
// over TCP for requests HTTP clients refuse to write.
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";

export interface FuzzRequest {
  readonly method: string;
  /** As written on the request line: already percent-encoded where it should be. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

export interface FuzzResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Longest a request may go unanswered before the server counts as hanging. */
export const answerTimeoutMs = 15_000;

export class FuzzHttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  send(request: FuzzRequest): Promise<FuzzResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...request.headers };
      if (request.body !== undefined) headers["content-length"] = String(request.body.length);
      const req = httpRequest({ host: this.host, port: this.port, method: request.method, path: request.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on("error", reject);
      });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`no answer within ${answerTimeoutMs} ms`));
      }, answerTimeoutMs);
      req.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(request.body === undefined ? undefined : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.length));
    });
  }

  /**
   * Writes `bytes` on a fresh connection, half-closes it, and returns everything the server wrote
   * until it closed the connection.
   */
  sendRaw(bytes: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connection not closed within ${answerTimeoutMs} ms`));
      }, answerTimeoutMs);
      socket.on("connect", () => socket.end(bytes));
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      // A reset after the answer is the server closing on a request it will not read further.
      socket.on("error", () => undefined);
      socket.on("close", () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
