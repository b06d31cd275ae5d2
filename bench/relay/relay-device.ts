// A minimal Parley device for the relay benchmark: one raw `ws` socket and the protocol codecs, no
// SDK and no end-to-end encryption. Sends are request frames on the socket (PUT
// /v1/messages/<account>, protobuf body); every server request (a delivery or the queue-empty
// marker) is answered 200 at once, which acknowledges and deletes the envelope. Writes made in one
// turn of the event loop leave in one syscall (the TCP socket is corked until the next tick), as
// a client answering a burst of deliveries would do.
import { connect, type Socket } from "node:net";
import {
  basicAuthorization,
  contentTypes,
  decodeEnvelope,
  decodeFrame,
  deliverPath,
  encodeFrame,
  encodeOutgoingMessages,
  queueEmptyPath,
  websocketPath,
} from "@parley/protocol";
import WebSocket from "ws";
import type { BenchAccount } from "./register.js";

export interface DeviceEvents {
  /** A send was answered; `status` is its HTTP status (200: durable on the server). */
  answered(device: RelayDevice, messageId: number, status: number): void;
  /** An envelope arrived for this device; `content` is the sender's payload. */
  delivered(device: RelayDevice, content: Uint8Array): void;
  /** The server closed the socket or it failed. */
  closed(device: RelayDevice, code: number): void;
}

const protobufHeaders = { "content-type": contentTypes.protobuf };
const noHeaders = {};
const empty = new Uint8Array(0);
/** The envelope type field; opaque to the server. */
const ciphertextType = 1;

export class RelayDevice {
  private ws: WebSocket | undefined;
  private socket: Socket | undefined;
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.socket?.uncork();
  };
  private nextRequestId = 1;
  /** Request id of each unanswered send → its message id. */
  private readonly pending = new Map<number, number>();
  private readonly sendPath: string;
  /** Requests of the server answered so far (deliveries and queue-empty markers). */
  serverRequests = 0;
  /** Frames that answered no open request, or could not be decoded. */
  protocolErrors = 0;
  queueEmpty = false;

  constructor(
    readonly index: number,
    readonly account: BenchAccount,
    private readonly events: DeviceEvents,
  ) {
    this.sendPath = `/v1/messages/${account.accountId}`;
  }

  /** Sends still unanswered. */
  get inFlight(): number {
    return this.pending.size;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(baseUrl: string): Promise<void> {
    const { accountId, deviceId, password } = this.account;
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + websocketPath, {
      headers: { authorization: basicAuthorization(accountId, deviceId, password) },
      perMessageDeflate: false,
      createConnection: ((options: { host: string; port: number }) => {
        this.socket = connect(options);
        return this.socket;
      }) as unknown as typeof connect,
    });
    this.ws = ws;
    ws.on("message", (data, isBinary) => this.receive(data as Buffer, isBinary));
    return new Promise<void>((resolve, reject) => {
      ws.once("open", () => {
        ws.on("close", (code) => this.events.closed(this, code));
        resolve();
      });
      ws.once("unexpected-response", (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /** Sends `payload` to device 1 of `to`; `messageId` comes back in `answered`. */
  send(to: RelayDevice, messageId: number, payload: Uint8Array): void {
    const id = this.nextRequestId++;
    this.pending.set(id, messageId);
    const body = encodeOutgoingMessages({
      timestamp: Date.now(),
      messages: [{ deviceId: to.account.deviceId, registrationId: to.account.registrationId, type: ciphertextType, content: payload }],
      ephemeral: false,
      urgent: true,
    });
    this.write(encodeFrame({ kind: "request", id, verb: "PUT", path: to.sendPath, headers: protobufHeaders, body }));
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once("close", () => resolve());
      ws.close(1000, "done");
    });
  }

  private receive(data: Buffer, isBinary: boolean): void {
    let frame;
    try {
      if (!isBinary) throw new Error("text frame");
      frame = decodeFrame(data);
    } catch {
      this.protocolErrors++;
      return;
    }
    if (frame.kind === "response") {
      const messageId = this.pending.get(frame.id);
      if (messageId === undefined) {
        this.protocolErrors++;
        return;
      }
      this.pending.delete(frame.id);
      this.events.answered(this, messageId, frame.status);
      return;
    }
    if (frame.path === deliverPath) this.events.delivered(this, decodeEnvelope(frame.body).content);
    else if (frame.path === queueEmptyPath) this.queueEmpty = true;
    this.serverRequests++;
    this.write(encodeFrame({ kind: "response", id: frame.id, status: 200, headers: noHeaders, body: empty }));
  }

  private write(frame: Uint8Array): void {
    if (!this.corked && this.socket) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.ws!.send(frame);
  }
}
