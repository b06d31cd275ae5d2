// The attacker of the flood benchmark, a process of its own (started by bench/scenarios/flood.ts
// under `nice`, so it never starves the honest client that shares its CPU): from one local address
// it holds as many connections as it can with half-sent requests, writes junk bytes, posts junk
// requests, tries WebSocket upgrades with wrong credentials and sends junk frames, each in many
// loops at once, until its time is up; then it reports what happened to its attempts over IPC.
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import WebSocket from "ws";

export interface FloodOptions {
  readonly url: string;
  readonly localAddress: string;
  readonly seconds: number;
  /** A real account id, so that wrong passwords are wrong passwords of someone. */
  readonly victimAccount: string;
  readonly loops: { readonly hogs: number; readonly junkBytes: number; readonly junkHttp: number; readonly badAuth: number; readonly junkFrames: number };
}

export interface FloodStats {
  readonly connections: number;
  /** Connections the server closed or refused before we let go of them. */
  readonly droppedByServer: number;
  readonly statuses: Record<string, number>;
  readonly frames: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as FloodOptions;
const deadline = Date.now() + options.seconds * 1000;
const url = new URL(options.url);
const target = { host: url.hostname, port: Number(url.port), localAddress: options.localAddress };
const stats = { connections: 0, droppedByServer: 0, statuses: {} as Record<string, number>, frames: 0 };
const count = (status: number | string) => (stats.statuses[status] = (stats.statuses[status] ?? 0) + 1);

/** Opens a connection, writes `junk`, and resolves when the server closes it or `holdMs` passes. */
function hold(junk: Buffer | string, holdMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(target);
    stats.connections++;
    let mine = false;
    const timer = setTimeout(() => {
      mine = true;
      socket.destroy();
    }, holdMs);
    socket.on("error", () => undefined);
    socket.once("connect", () => socket.write(junk));
    socket.once("close", () => {
      clearTimeout(timer);
      if (!mine) stats.droppedByServer++;
      resolve();
    });
  });
}

function junkHttp(): Promise<void> {
  return new Promise((resolve) => {
    stats.connections++;
    const req = httpRequest({ ...target, method: "POST", path: "/v1/verification/sessions", agent: false, headers: { "content-type": "application/json" } }, (res) => {
      count(res.statusCode ?? 0);
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", () => {
      stats.droppedByServer++;
      resolve();
    });
    req.end(`{"identifier": ${randomBytes(48).toString("hex")}`);
  });
}

function badAuth(): Promise<void> {
  const credentials = Buffer.from(`${options.victimAccount}.1:${randomBytes(16).toString("hex")}`).toString("base64");
  return upgrade("/v1/websocket", { authorization: `Basic ${credentials}` }, () => undefined);
}

function junkFrames(): Promise<void> {
  return upgrade("/v1/provisioning", {}, (ws) => {
    const spray = () => {
      if (ws.readyState !== WebSocket.OPEN || Date.now() > deadline) return ws.terminate();
      stats.frames++;
      ws.send(randomBytes(1024), () => setImmediate(spray));
    };
    spray();
  });
}

function upgrade(path: string, headers: Record<string, string>, opened: (ws: WebSocket) => void): Promise<void> {
  return new Promise((resolve) => {
    stats.connections++;
    const ws = new WebSocket(`ws://${url.host}${path}`, { headers, localAddress: options.localAddress });
    ws.once("open", () => {
      count("101");
      opened(ws);
    });
    ws.once("unexpected-response", (_request, response) => {
      count(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", () => stats.droppedByServer++);
    ws.once("close", () => resolve());
  });
}

async function loop(times: number, attempt: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: times }, async () => {
      while (Date.now() < deadline) await attempt();
    }),
  );
}

await Promise.all([
  loop(options.loops.hogs, () => hold("GET /v1/accounts/me HTTP/1.1\r\nHost: parley\r\nX-Slow: ", 3000)),
  loop(options.loops.junkBytes, () => hold(randomBytes(4096), 1000)),
  loop(options.loops.junkHttp, junkHttp),
  loop(options.loops.badAuth, badAuth),
  loop(options.loops.junkFrames, junkFrames),
]);
process.send?.({ type: "stats", stats } satisfies { type: string; stats: FloodStats });
process.disconnect?.();
