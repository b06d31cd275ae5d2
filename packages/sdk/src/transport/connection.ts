// The device's WebSocket to the server, kept open: reconnects with exponential backoff and full
// jitter after a drop, stops for good when the server says the device was displaced (4000) or
// removed (4001), and checks the server's liveness with a keep-alive request. Everything the
// server sends while the socket is open goes to the incoming handler.
import { CloseCode, websocketPath, type Credentials } from "@parley/protocol";
import { ParleyError, SdkErrorCode } from "../errors.js";
import { encodeBase64url } from "../util/base64url.js";
import { utf8 } from "../util/bytes.js";
import { FrameChannel, type IncomingHandler } from "./frame-channel.js";
import type { WebSocketFactory, WebSocketLike } from "./websocket-like.js";

export type ConnectionState = "idle" | "connecting" | "open" | "waiting" | "displaced" | "removed" | "closed";

export interface ConnectionOptions {
  /** The server's base URL: http(s)://host:port (the socket URL is derived from it). */
  readonly serverUrl: string;
  readonly credentials: Credentials;
  readonly webSocket: WebSocketFactory;
  readonly handler: IncomingHandler;
  readonly requestTimeoutMs: number;
  /** First reconnect delay (before jitter) and the cap of the doubling. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Interval of keep-alive requests; an unanswered one drops the socket. */
  readonly keepAliveMs: number;
  /** Uniform in [0, 1): the jitter source. */
  readonly jitter: () => number;
  /** Answers whether the credentials still work (an HTTP call); asked after repeated failures. */
  readonly credentialsValid: () => Promise<boolean>;
  readonly onState: (state: ConnectionState, detail: { attempt: number; delayMs?: number; code?: number }) => void;
  readonly onViolation: (error: unknown) => void;
}

export class Connection {
  #state: ConnectionState = "idle";
  #socket: WebSocketLike | undefined;
  #channel: FrameChannel | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  readonly #openWaiters = new Set<{ resolve(): void; reject(error: unknown): void }>();

  constructor(private readonly options: ConnectionOptions) {}

  get state(): ConnectionState {
    return this.#state;
  }

  /** The open socket's channel, or undefined while not connected. */
  get channel(): FrameChannel | undefined {
    return this.#state === "open" ? this.#channel : undefined;
  }

  start(): void {
    if (this.#state !== "idle" && this.#state !== "displaced") return;
    this.#attempt = 0;
    this.open();
  }

  /** Resolves when the socket is open; rejects if the connection stops for good first. */
  waitOpen(): Promise<void> {
    if (this.#state === "open") return Promise.resolve();
    if (this.isFinal()) return Promise.reject(this.finalError());
    return new Promise((resolve, reject) => this.#openWaiters.add({ resolve, reject }));
  }

  /**
   * Closes the open socket and connects again after the usual backoff: the server redelivers on a
   * new connection what this one left unanswered.
   */
  reconnect(reason: string): void {
    if (this.#state === "open") this.#socket?.close(1000, reason);
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.finish("closed");
  }

  private isFinal(): boolean {
    return this.#state === "closed" || this.#state === "removed" || this.#state === "displaced";
  }

  private finalError(): ParleyError {
    if (this.#state === "removed") return new ParleyError(SdkErrorCode.DeviceRemoved, "this device was removed from its account");
    return new ParleyError(SdkErrorCode.ConnectionClosed, `the connection is ${this.#state}`);
  }

  private open(): void {
    this.setState("connecting", {});
    const { credentials } = this.options;
    const login = `${credentials.accountId}.${credentials.deviceId}:${credentials.password}`;
    const url = this.options.serverUrl.replace(/^http/, "ws").replace(/\/$/, "") + websocketPath;
    let socket: WebSocketLike;
    try {
      socket = this.options.webSocket(url, ["parley.v1", `parley-auth.${encodeBase64url(utf8(login))}`]);
    } catch (error) {
      this.options.onViolation(error);
      this.scheduleRetry();
      return;
    }
    socket.binaryType = "arraybuffer";
    this.#socket = socket;
    const channel = new FrameChannel(socket, this.options.handler, this.options.requestTimeoutMs, (error) => {
      this.options.onViolation(error);
      socket.close(CloseCode.MalformedFrame, "malformed frame");
    });
    this.#channel = channel;
    let opened = false;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      opened = true;
      this.#attempt = 0;
      this.setState("open", {});
      this.startKeepAlive(channel, socket);
      for (const waiter of this.#openWaiters) waiter.resolve();
      this.#openWaiters.clear();
    };
    socket.onmessage = (event) => {
      const data = event.data;
      if (data instanceof ArrayBuffer) channel.receive(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) channel.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else this.options.onViolation(new ParleyError(SdkErrorCode.ProtocolViolation, "a text WebSocket message"));
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      channel.fail(new ParleyError(SdkErrorCode.ConnectionClosed, `the socket closed (${event.code})`));
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#channel = undefined;
      this.stopKeepAlive();
      if (this.isFinal()) return;
      if (event.code === CloseCode.Displaced) return this.finish("displaced", event.code);
      if (event.code === CloseCode.DeviceRemoved) return this.finish("removed", event.code);
      if (!opened) void this.retryAfterFailedOpen();
      else this.scheduleRetry(event.code);
    };
  }

  private async retryAfterFailedOpen(): Promise<void> {
    // A refused upgrade looks like any network failure to a WebSocket client; after a few, ask
    // over HTTP whether the credentials are the reason.
    if (this.#attempt >= 2) {
      const valid = await this.options.credentialsValid().catch(() => true);
      if (!valid) return this.finish("removed");
    }
    if (!this.isFinal()) this.scheduleRetry();
  }

  private scheduleRetry(code?: number): void {
    const cap = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.min(this.#attempt, 30));
    const delayMs = Math.round(this.options.jitter() * cap);
    this.#attempt++;
    this.setState("waiting", { delayMs, ...(code === undefined ? {} : { code }) });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.isFinal()) this.open();
    }, delayMs);
  }

  private startKeepAlive(channel: FrameChannel, socket: WebSocketLike): void {
    this.stopKeepAlive();
    this.#keepAliveTimer = setInterval(() => {
      channel.request("GET", "/healthz").catch(() => {
        if (this.#socket === socket) socket.close(1000, "keep-alive unanswered");
      });
    }, this.options.keepAliveMs);
  }

  private stopKeepAlive(): void {
    if (this.#keepAliveTimer !== undefined) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
  }

  private finish(state: "closed" | "removed" | "displaced", code?: number): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.stopKeepAlive();
    const socket = this.#socket;
    this.#socket = undefined;
    this.#channel?.fail(new ParleyError(SdkErrorCode.ConnectionClosed, "the connection was closed"));
    this.#channel = undefined;
    this.setState(state, code === undefined ? {} : { code });
    if (socket) socket.close(1000, "closing");
    const error = this.finalError();
    for (const waiter of this.#openWaiters) waiter.reject(error);
    this.#openWaiters.clear();
  }

  private setState(state: ConnectionState, detail: { delayMs?: number; code?: number }): void {
    this.#state = state;
    this.options.onState(state, { attempt: this.#attempt, ...detail });
  }
}
