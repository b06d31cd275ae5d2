// NATS for tests: the shared server named by PARLEY_TEST_NATS_URL, private nats-server processes
// to kill and restart, and a TCP proxy that cuts one client off while others stay connected.
// Whoever starts one of these stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, constants } from "node:fs/promises";
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { describe, it } from "vitest";
import { waitFor } from "./wait-for.js";

const defaultNatsUrl = "nats://127.0.0.1:4222";
/** Where Debian's nats-server package installs the binary. */
const defaultNatsServerBin = "/usr/sbin/nats-server";

/** Something tests need, or why it is missing. Outside CI a missing one skips; in CI it throws. */
export type Needed<T> = ({ readonly available: true } & T) | { readonly available: false; readonly skipReason: string };

function missing<T>(skipReason: string): Needed<T> {
  if (process.env.CI === "true") throw new Error(`${skipReason}; required when CI=true`);
  return { available: false, skipReason };
}

/** The shared NATS server for tests (PARLEY_TEST_NATS_URL, default nats://127.0.0.1:4222), if it answers. */
export async function natsTestTarget(): Promise<Needed<{ readonly url: string }>> {
  const url = process.env.PARLEY_TEST_NATS_URL ?? defaultNatsUrl;
  if (await natsAnswers(url)) return { available: true, url };
  return missing(`no NATS server answers at ${url} (set PARLEY_TEST_NATS_URL)`);
}

/** The nats-server binary (PARLEY_NATS_SERVER_BIN, default Debian's), if it is executable. */
export async function natsServerBinary(): Promise<Needed<{ readonly path: string }>> {
  const path = process.env.PARLEY_NATS_SERVER_BIN ?? defaultNatsServerBin;
  try {
    await access(path, constants.X_OK);
    return { available: true, path };
  } catch {
    return missing(`no executable nats-server at ${path} (set PARLEY_NATS_SERVER_BIN)`);
  }
}

/** Registers a suite whose one test is skipped with `reason` in its name, and says so on stderr. */
export function describeSkipped(name: string, reason: string): void {
  console.warn(`${name}: skipped, ${reason}`);
  describe(name, () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
}

/** A subject prefix no other test uses, so test files sharing one NATS server never interfere. */
export function uniqueSubjectPrefix(): string {
  return `parleytest_${randomBytes(8).toString("hex")}`;
}

/** Whether a NATS server answers at `url`: a server greets every new connection with INFO. */
export function natsAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = hostPort(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let received = "";
    const finish = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.length >= 5) finish(received.startsWith("INFO "));
    });
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
  });
}

/** A port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface NatsServerProcess {
  readonly url: string;
  /** The monitoring endpoint (serves /connz, /subsz). */
  readonly monitorUrl: string;
  /** SIGKILLs the process, so clients see their connections drop, and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and waits until it answers. */
  restart(): Promise<void>;
}

/** Starts a private nats-server on free ports of 127.0.0.1 and waits until it answers. */
export async function startNatsServer(binary: string): Promise<NatsServerProcess> {
  const port = await freePort();
  const monitorPort = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    let output = "";
    const spawned = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let ended = false;
    child = spawned;
    exited = new Promise((resolve) => {
      const end = () => {
        ended = true;
        resolve();
      };
      spawned.once("exit", end);
      spawned.once("error", (error) => {
        output += String(error);
        end();
      });
    });
    spawned.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-2000);
    });
    await waitFor(
      async () => {
        if (ended) throw new Error(`nats-server ended before answering: ${output}`);
        return natsAnswers(url, 200);
      },
      { timeoutMs: 10_000, intervalMs: 20, what: `nats-server on port ${port}` },
    );
  };
  const kill = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url,
    monitorUrl: `http://127.0.0.1:${monitorPort}`,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
  };
}

export interface TcpProxy {
  /** Where clients connect: nats://127.0.0.1:<port>. */
  readonly url: string;
  /** Drops every connection through the proxy and refuses new ones until `resume`. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  resume(): Promise<void>;
  /** `cut`, for teardown; safe to call twice. */
  close(): Promise<void>;
}

/** Forwards TCP connections on a free port of 127.0.0.1 to the host and port of `targetUrl`. */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = hostPort(targetUrl);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const listen = async () => {
    const listening = createServer((client) => {
      const upstream = createConnection(target);
      track(client);
      track(upstream);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => listening.once("error", reject).listen(port, "127.0.0.1", resolve));
    server = listening;
  };
  const cut = async () => {
    const listening = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (listening !== undefined) await new Promise<void>((resolve) => listening.close(() => resolve()));
  };
  await listen();
  return {
    url: `nats://127.0.0.1:${port}`,
    cut,
    resume: async () => {
      if (server === undefined) await listen();
    },
    close: cut,
  };
}

function hostPort(url: string): { readonly host: string; readonly port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port === "" ? 4222 : Number(parsed.port) };
}
