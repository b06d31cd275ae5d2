import { EventEmitter } from "node:events";
import { decodeFrame, encodeFrame, type RequestFrame } from "@parley/protocol";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { FrameSocket, type ResponseListener } from "../src/ws/frame-socket.js";

/** The parts of a ws WebSocket that FrameSocket uses, recording what is sent. */
class FakeWebSocket extends EventEmitter {
  readonly sent: Uint8Array[] = [];
  constructor(private readonly log: string[]) {
    super();
  }
  send(data: Uint8Array): void {
    this.log.push("send");
    this.sent.push(data);
  }
  close(): void {
    this.emit("close");
  }
}

function open() {
  const log: string[] = [];
  const ws = new FakeWebSocket(log);
  const transport = { cork: () => log.push("cork"), uncork: () => log.push("uncork") };
  const handler = async (request: RequestFrame) => ({ status: 200, body: request.body });
  const socket = new FrameSocket(ws as unknown as WebSocket, handler, () => 0, () => log.push("closed"), transport);
  return { log, ws, socket };
}

function recorder(): ResponseListener & { answers: [number, number][] } {
  const answers: [number, number][] = [];
  return { answers, answered: (tag, status) => answers.push([tag, status]) };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe("FrameSocket", () => {
  it("writes every frame of one turn between one cork and one uncork", async () => {
    const { log, socket } = open();
    const listener = recorder();
    for (let i = 0; i < 3; i++) socket.send("PUT", "/v1/messages", new Uint8Array([i]), listener, i);
    expect(log).toEqual(["cork", "send", "send", "send"]);
    await nextTick();
    expect(log).toEqual(["cork", "send", "send", "send", "uncork"]);
    socket.send("PUT", "/v1/messages", new Uint8Array(0), listener, 3);
    await nextTick();
    expect(log.slice(5)).toEqual(["cork", "send", "uncork"]);
  });

  it("gives each listener its response's status under its tag", () => {
    const { ws, socket } = open();
    const listener = recorder();
    socket.send("PUT", "/v1/messages", new Uint8Array(0), listener, 41);
    socket.send("PUT", "/v1/messages", new Uint8Array(0), listener, 42);
    const [first, second] = ws.sent.map((bytes) => decodeFrame(bytes));
    ws.emit("message", Buffer.from(encodeFrame({ kind: "response", id: second!.id, status: 500, headers: {}, body: new Uint8Array(0) })), true);
    ws.emit("message", Buffer.from(encodeFrame({ kind: "response", id: first!.id, status: 200, headers: {}, body: new Uint8Array(0) })), true);
    expect(listener.answers).toEqual([
      [42, 500],
      [41, 200],
    ]);
  });

  it("answers open requests with 0 after telling its owner of the close", () => {
    const { log, ws, socket } = open();
    const listener: ResponseListener = { answered: (tag, status) => log.push(`answered ${tag} ${status}`) };
    socket.send("PUT", "/v1/messages", new Uint8Array(0), listener, 7);
    ws.emit("close");
    expect(log.slice(-2)).toEqual(["closed", "answered 7 0"]);
  });

  it("answers a request sent after the close with 0, on a later turn", async () => {
    const { ws, socket } = open();
    ws.emit("close");
    const listener = recorder();
    socket.send("PUT", "/v1/messages", new Uint8Array(0), listener, 5);
    expect(listener.answers).toEqual([]);
    await Promise.resolve();
    expect(listener.answers).toEqual([[5, 0]]);
  });
});
