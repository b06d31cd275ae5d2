// `npm run bench -- e2ee [flags]`: end-to-end encrypted messaging between SDK clients over a local
// server, everything on this machine: the server as its own process (SQLite file, synchronous=FULL),
// the clients in worker threads of this process with their stores in encrypted SQLite files,
// delivery receipts on. Measures (1) sustained messages/s (closed loop, or open loop at --rate)
// with send-to-receive latency, and (2) the first message to a new device: bundle fetch, PQXDH,
// encrypt, relay and the PreKey message's decryption. Prints a table, then one line of JSON.
// Build first (`npx tsc -b`): the server and the SDK run from their built packages.
//
// Flags (defaults in parentheses):
//   --pairs N        pairs of clients talking to each other (8)
//   --workers N      worker threads hosting the clients (2)
//   --seconds S      length of the measured load phase (10)
//   --inflight N     closed loop: messages a sender has on the way at once (4)
//   --rate R         open loop at R messages/s in aggregate instead of the closed loop
//   --first N        first messages to new devices to time (20)
//   --server-cpus L  taskset CPU list of the server (unpinned: the targets count server and clients together)
//   --cpu-prof DIR   write a V8 CPU profile of the server during the load phase into DIR
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import { printTable } from "../measure.js";
import { quantile } from "../relay/ledger.js";
import { ServerProcess } from "../relay/server-process.js";
import { nowMs, registerClient, useBackend } from "../e2ee/node-client.js";
import type { CryptoBackendName, FromWorker, ToWorker, WorkerInput } from "../e2ee/worker-protocol.js";

const targets = { messagesPerS: 2000, p99MsAt500: 50, firstMessageP50Ms: 25 } as const;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      pairs: { type: "string", default: "8" },
      workers: { type: "string", default: "2" },
      seconds: { type: "string", default: "10" },
      inflight: { type: "string", default: "4" },
      rate: { type: "string" },
      first: { type: "string", default: "20" },
      "server-cpus": { type: "string" },
      "cpu-prof": { type: "string" },
      backend: { type: "string", default: "node" },
    },
  });
  const backend = values.backend as CryptoBackendName;
  useBackend(backend);
  const pairs = Number(values.pairs);
  const workerCount = Math.min(Number(values.workers), pairs);
  const seconds = Number(values.seconds);
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  const firstCount = Number(values.first);
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-e2ee-"));
  // Pairs of clients chat flat out from one address, far above what the rate limits allow a person.
  const server = await ServerProcess.start({ cpus: values["server-cpus"], overrides: ["server.port=0", "rateLimits.enabled=false"] });
  const codeFor = (username: string) => server.codeFor(username);
  try {
    console.error(`registering ${pairs * 2} clients...`);
    const paths: string[] = [];
    for (let i = 0; i < pairs * 2; i++) {
      const path = join(dir, `client-${i}.db`);
      const client = await registerClient(server.url, path, `bench_${process.pid}_${i}`, codeFor);
      await client.close();
      await client.store.close();
      paths.push(path);
    }
    const groups: WorkerInput[] = Array.from({ length: workerCount }, () => ({ pairs: [], backend }));
    for (let p = 0; p < pairs; p++) (groups[p % workerCount]!.pairs as (readonly [string, string])[]).push([paths[2 * p]!, paths[2 * p + 1]!]);
    const workers = groups.map((input) => new Worker(new URL("../e2ee/worker-entry.mjs", import.meta.url), { workerData: input }));
    const inbox = workers.map((w) => {
      const queue: FromWorker[] = [];
      const waiters: ((m: FromWorker) => void)[] = [];
      w.on("message", (m: FromWorker) => {
        if (m.type === "failed") console.error(m.message);
        const waiter = waiters.shift();
        if (waiter) waiter(m);
        else queue.push(m);
      });
      w.on("error", (error) => console.error(error));
      return () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<FromWorker>((r) => waiters.push(r)));
    });
    const ready = await Promise.all(inbox.map((next) => next()));
    if (ready.some((m) => m.type !== "ready")) throw new Error("a client worker failed to start");
    const senders = pairs * 2;
    const command: ToWorker = { type: "load", seconds, inflight: Number(values.inflight), ratePerSender: rate === undefined ? undefined : rate / senders };
    console.error(`load: ${rate === undefined ? `closed loop, ${values.inflight} in flight per sender` : `${rate} msgs/s`} for ${seconds} s...`);
    if (values["cpu-prof"] !== undefined) await server.startProfile();
    const serverCpuBefore = server.cpuMicros();
    const wallBefore = nowMs();
    for (const w of workers) w.postMessage(command);
    const results = await Promise.all(inbox.map((next) => next()));
    const wall = (nowMs() - wallBefore) / 1000;
    const serverCpu = server.cpuMicros() - serverCpuBefore;
    if (values["cpu-prof"] !== undefined) {
      mkdirSync(values["cpu-prof"], { recursive: true });
      await server.stopProfile(join(values["cpu-prof"], `e2ee-server-${Date.now()}.cpuprofile`));
    }
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once("exit", resolve))));
    const done = results.filter((m): m is Extract<FromWorker, { type: "done" }> => m.type === "done");
    if (done.length !== workers.length) throw new Error("a client worker failed during the load");
    const latencies = Float64Array.from(done.flatMap((d) => [...d.latenciesMs])).sort();
    const received = done.reduce((n, d) => n + d.received, 0);
    const errors = done.reduce((n, d) => n + d.errors, 0);
    const perSecond = received / seconds;

    console.error(`first messages to ${firstCount} new devices...`);
    const firsts = await firstMessages(server.url, dir, firstCount, codeFor);

    const figures = {
      mode: rate === undefined ? "closed" : `rate ${rate}`,
      backend,
      pairs,
      messages_per_s: Math.round(perSecond),
      p50_ms: round(quantile(latencies, 0.5)),
      p99_ms: round(quantile(latencies, 0.99)),
      server_cpu_us_per_msg: received > 0 ? Math.round(serverCpu / received) : null,
      errors,
      first_message_p50_ms: round(quantile(firsts, 0.5)),
      first_message_p99_ms: round(quantile(firsts, 0.99)),
      wall_s: round(wall),
    };
    printTable([
      ["figure", "value", "target"],
      ["messages/s", String(figures.messages_per_s), rate === undefined ? `≥ ${targets.messagesPerS}` : "-"],
      ["latency p50 (ms)", String(figures.p50_ms), "-"],
      ["latency p99 (ms)", String(figures.p99_ms), rate === 500 ? `< ${targets.p99MsAt500}` : "(at --rate 500)"],
      ["server CPU µs/msg", String(figures.server_cpu_us_per_msg), "-"],
      ["first message p50 (ms)", String(figures.first_message_p50_ms), `< ${targets.firstMessageP50Ms}`],
      ["first message p99 (ms)", String(figures.first_message_p99_ms), "-"],
      ["client errors", String(errors), "0"],
    ]);
    console.log(JSON.stringify(figures));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Times Alice's first message to each of `count` freshly registered devices, until it is decrypted. */
async function firstMessages(url: string, dir: string, count: number, codeFor: (u: string) => Promise<string>): Promise<Float64Array> {
  const alice = await registerClient(url, join(dir, "first-alice.db"), `first_${process.pid}_alice`, codeFor);
  await alice.connect();
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const bob = await registerClient(url, join(dir, `first-bob-${i}.db`), `first_${process.pid}_${i}`, codeFor);
      await bob.connect();
      const got = bob.events.once("message");
      const start = nowMs();
      await alice.sendText(bob.accountId, "first");
      await got;
      times.push(nowMs() - start);
      await bob.close();
      await bob.store.close();
    }
  } finally {
    await alice.close();
    await alice.store.close();
  }
  return Float64Array.from(times).sort();
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
