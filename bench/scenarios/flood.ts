// `npm run bench -- flood [flags]`: an honest client's request latency while one address floods
// the server far above its caps. The server runs as in the relay benchmark (its own process, the
// production composition, pinned to CPU 0) with the defaults but for the per-address cap and
// trusted proxies (none, so both loopback addresses count as strangers). The honest client (127.0.0.1)
// and the flooder (127.0.0.2, a child process under `nice`) share CPU 1. The honest client sends
// requests in an open loop at a fixed rate: over its device socket (account, key counts, and a
// message to a second honest device every 20th), and over HTTP. It is measured first alone, then
// during the flood. Prints a table, then one line of JSON; the target is p99 < 100 ms in the flood.
//
// Flags (defaults in parentheses):
//   --seconds S         length of the flood (10)
//   --baseline S        length of the measurement without flood first (3)
//   --rate R            honest requests per second over the socket (100); HTTP: a fifth of that
//   --hogs N            flooder loops holding half-sent requests open (1000)
//   --max-per-ip N      connections.maxPerIp of the server (100)
//   --set key=value     server config override, repeatable
//   --server-cpus L     taskset CPU list of the server ("0"; "none": unpinned)
//   --client-cpus L     taskset CPU list of this process and the flooder ("1"; "none": unpinned)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { FloodOptions, FloodStats } from "../flood/flooder.js";
import { HonestHttp, HonestSocket, type Timed } from "../flood/honest-client.js";
import { printTable } from "../measure.js";
import { quantile } from "../relay/ledger.js";
import { pinSelf } from "../relay/proc-stats.js";
import { registerAccounts, type BenchAccount } from "../relay/register.js";
import { ServerProcess } from "../relay/server-process.js";

const targetP99Ms = 100;
const flooderPath = fileURLToPath(new URL("../flood/flooder.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

interface Phase {
  readonly socket: Timed[];
  readonly http: Timed[];
  readonly seconds: number;
  readonly serverCpuUs: number;
  /** p99 of this process's event-loop delay (ms): latency the honest client adds itself. */
  readonly clientLoopDelayP99Ms: number;
  /** p99 of the server's event-loop delay (ms). */
  readonly serverLoopDelayP99Ms: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "10" },
      baseline: { type: "string", default: "3" },
      rate: { type: "string", default: "100" },
      hogs: { type: "string", default: "1000" },
      "max-per-ip": { type: "string", default: "100" },
      set: { type: "string", multiple: true, default: [] },
      "server-cpus": { type: "string", default: "0" },
      "client-cpus": { type: "string", default: "1" },
    },
  });
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const cpus = (value: string) => (value === "none" ? undefined : value);
  const clientCpus = cpus(values["client-cpus"]);
  if (clientCpus !== undefined && !pinSelf(clientCpus)) console.warn(`could not pin this process to CPU ${clientCpus}; running unpinned`);
  const dataDir = mkdtempSync(join(tmpdir(), "parley-flood-"));
  const auditFile = join(dataDir, "audit.jsonl");
  const overrides = [
    "server.host=127.0.0.1",
    "server.port=0",
    `server.dataDir=${dataDir}`,
    "log.level=warn",
    "security.trustedProxies=",
    `security.auditLog=${auditFile}`,
    `connections.maxPerIp=${values["max-per-ip"]}`,
    ...values.set,
  ];
  const server = await ServerProcess.start({ cpus: cpus(values["server-cpus"]), overrides });
  const closers: (() => void)[] = [];
  try {
    const [alice, bob] = (await registerAccounts(server.url, 2, (username) => server.codeFor(username), { prefix: "honest", concurrency: 2 })) as [BenchAccount, BenchAccount];
    const aliceSocket = await HonestSocket.connect(server.url, alice);
    const bobSocket = await HonestSocket.connect(server.url, bob);
    const http = new HonestHttp(server.url, alice);
    closers.push(() => aliceSocket.close(), () => bobSocket.close(), () => http.close());
    const measure = (phaseSeconds: number) => honestLoad(server, aliceSocket, http, bob, rate, phaseSeconds);

    await measure(1);
    const baseline = await measure(Number(values.baseline));
    const loops = { hogs: Number(values.hogs), junkBytes: 100, junkHttp: 100, badAuth: 50, junkFrames: 20 };
    const flood: FloodOptions = { url: server.url, localAddress: "127.0.0.2", seconds: seconds + 1, victimAccount: alice.accountId, loops };
    const flooder = spawn("nice", ["-n", "15", process.execPath, "--import", "tsx", flooderPath, JSON.stringify(flood)], {
      cwd: repoRoot,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const floodStats = new Promise<FloodStats>((resolve, reject) => {
      flooder.on("message", (message: { type?: string; stats?: FloodStats }) => message.type === "stats" && message.stats && resolve(message.stats));
      flooder.once("exit", (code) => reject(new Error(`the flooder exited (${code}) without reporting`)));
    });
    // Let the flood build up before measuring.
    await sleep(500);
    const during = await measure(seconds);
    const stats = await floodStats;
    const after = await aliceSocket.request("GET", "/v1/accounts/me");
    report({ baseline, during, stats, rate, maxPerIp: Number(values["max-per-ip"]), audit: auditCounts(auditFile), servedAfter: after.status === 200, rssMb: server.memory().rssKb / 1024 });
  } finally {
    closers.forEach((close) => close());
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Issues honest requests at `rate` per second for `seconds` (open loop) and times each. */
async function honestLoad(server: ServerProcess, socket: HonestSocket, http: HonestHttp, peer: BenchAccount, rate: number, seconds: number): Promise<Phase> {
  const intervalMs = 1000 / rate;
  const socketAnswers: Promise<Timed>[] = [];
  const httpAnswers: Promise<Timed>[] = [];
  const cpu0 = server.cpuMicros();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  await server.startLoopDelay();
  const start = performance.now();
  const message = { timestamp: 0, messages: [{ deviceId: 1, registrationId: peer.registrationId, type: 1, content: Buffer.alloc(200, 7).toString("base64") }] };
  for (let tick = 0; performance.now() - start < seconds * 1000; tick++) {
    if (tick % 20 === 19) socketAnswers.push(socket.request("PUT", `/v1/messages/${peer.accountId}`, { ...message, timestamp: Date.now() }));
    else socketAnswers.push(socket.request("GET", tick % 2 === 0 ? "/v1/accounts/me" : "/v1/keys"));
    if (tick % 5 === 0) httpAnswers.push(http.get("/v1/accounts/me"));
    await sleep(Math.max(0, start + (tick + 1) * intervalMs - performance.now()));
  }
  const [socketTimes, httpTimes] = await Promise.all([Promise.all(socketAnswers), Promise.all(httpAnswers)]);
  loopDelay.disable();
  const serverLoopDelayP99Ms = await server.stopLoopDelay();
  return {
    serverLoopDelayP99Ms,
    socket: socketTimes,
    http: httpTimes,
    seconds: (performance.now() - start) / 1000,
    serverCpuUs: server.cpuMicros() - cpu0,
    clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
}

function auditCounts(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return counts;
  }
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const { event, repeated } = JSON.parse(line) as { event: string; repeated?: number };
    counts[event] = (counts[event] ?? 0) + 1 + (repeated ?? 0);
  }
  return counts;
}

interface Report {
  readonly baseline: Phase;
  readonly during: Phase;
  readonly stats: FloodStats;
  readonly rate: number;
  readonly maxPerIp: number;
  readonly audit: Record<string, number>;
  readonly servedAfter: boolean;
  readonly rssMb: number;
}

function report(r: Report): void {
  const figures = (phase: Phase, which: "socket" | "http" | "all") => {
    const timed = which === "all" ? [...phase.socket, ...phase.http] : phase[which];
    const sorted = Float64Array.from(timed.map((t) => t.ms)).sort();
    const failed = timed.filter((t) => t.status !== 200).length;
    return { count: timed.length, failed, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: quantile(sorted, 1) };
  };
  const all = figures(r.during, "all");
  console.log(`flood: honest client at ${r.rate} socket + ${r.rate / 5} HTTP requests/s from 127.0.0.1; flood from 127.0.0.2; connections.maxPerIp ${r.maxPerIp}; node ${process.version}`);
  const rows = [["honest requests", "count", "not 200", "p50 ms", "p99 ms", "max ms"]];
  for (const [name, phase] of [["alone", r.baseline], ["during flood", r.during]] as const) {
    for (const which of ["socket", "http"] as const) {
      const f = figures(phase, which);
      rows.push([`${name}, ${which}`, String(f.count), String(f.failed), f.p50.toFixed(2), f.p99.toFixed(2), f.max.toFixed(2)]);
    }
  }
  rows.push(["during flood, all", String(all.count), String(all.failed), all.p50.toFixed(2), all.p99.toFixed(2), all.max.toFixed(2)]);
  printTable(rows);
  console.log("");
  const statuses = Object.entries(r.stats.statuses).map(([status, n]) => `${status}: ${n}`).join(", ");
  printTable([
    ["flood", "value"],
    ["connections attempted", String(r.stats.connections)],
    ["closed or refused by the server", String(r.stats.droppedByServer)],
    ["answers (HTTP status: count)", statuses || "-"],
    ["junk frames sent", String(r.stats.frames)],
    ["server CPU busy during flood", `${((r.during.serverCpuUs / 1e6 / r.during.seconds) * 100).toFixed(0)}%`],
    ["server event-loop delay p99 ms (alone / flood)", `${r.baseline.serverLoopDelayP99Ms.toFixed(1)} / ${r.during.serverLoopDelayP99Ms.toFixed(1)}`],
    ["honest client's own event-loop delay p99 ms (alone / flood)", `${r.baseline.clientLoopDelayP99Ms.toFixed(1)} / ${r.during.clientLoopDelayP99Ms.toFixed(1)}`],
    ["server RSS MB after", r.rssMb.toFixed(1)],
    ["audit events (folded)", Object.entries(r.audit).map(([event, n]) => `${event}: ${n}`).join(", ") || "-"],
    ["honest client served after", r.servedAfter ? "yes" : "NO"],
    [`p99 < ${targetP99Ms} ms during flood`, all.p99 < targetP99Ms ? "yes" : "NO"],
  ]);
  const base = figures(r.baseline, "all");
  console.log(
    JSON.stringify({
      scenario: "flood",
      honest_requests: all.count,
      honest_failed: all.failed,
      p50_ms: round(all.p50),
      p99_ms: round(all.p99),
      max_ms: round(all.max),
      baseline_p50_ms: round(base.p50),
      baseline_p99_ms: round(base.p99),
      flood_connections: r.stats.connections,
      flood_dropped: r.stats.droppedByServer,
      flood_statuses: r.stats.statuses,
      server_cpu_busy: round(r.during.serverCpuUs / 1e6 / r.during.seconds),
      server_loop_delay_p99_ms: round(r.during.serverLoopDelayP99Ms),
      client_loop_delay_p99_ms: round(r.during.clientLoopDelayP99Ms),
      served_after: r.servedAfter,
      target_met: all.p99 < targetP99Ms,
    }),
  );
}

function round(value: number): number {
  return Number(value.toFixed(2));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
