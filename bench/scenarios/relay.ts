// `npm run bench -- relay [flags]`: the server's store-and-forward relay under load. The server
// runs as its own process (bench/relay/server-main.ts: SQLite file in a fresh temp dir,
// synchronous=FULL unless overridden) pinned to CPU 0; this process, the load generator, pins
// itself to CPU 1. Minimal devices (raw ws + protocol codecs, opaque 200-byte payloads, no E2EE)
// send to random others; every send waits for the server's 200 (durable), every delivery is
// answered 200 (deleted). Prints a table, then one line of JSON.
//
// Flags (defaults in parentheses):
//   --devices N         active devices, one account each (200)
//   --messages N        messages in the measured phase (20000)
//   --warmup N          messages sent first and not measured (10% of --messages, 2000 to 20000)
//   --inflight N        closed loop: unanswered sends per device (2)
//   --rate R            open loop at R messages/s in aggregate instead of the closed loop;
//                       server CPU per message is the figure to compare between runs
//   --idle N            also connect N idle devices first and report server RSS per idle device
//                       (stay under ~19000: each process may hold 20000 open files)
//   --stall-seconds S   end a phase when nothing progressed for S seconds (10)
//   --set key=value     server config override, repeatable (e.g. --set storage.synchronous=normal)
//   --server-cpus L     taskset CPU list of the server ("0"; "none" leaves it unpinned)
//   --client-cpus L     taskset CPU list of this process ("1"; "none" leaves it unpinned)
//   --cpu-prof DIR      write a V8 CPU profile of the server's main thread during the measured
//                       phase into DIR (relay-server-<time>.cpuprofile; open in Chrome DevTools)
//   --keep-data         keep the temp data dir (the SQLite file) and print its path
//   --cluster N         N nodes in cluster mode (PostgreSQL + NATS, a fresh database) behind
//                       nginx instead of one SQLite server; nothing is pinned unless asked, as
//                       nodes, PostgreSQL, NATS, nginx and the generator share the machine
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { printTable } from "../measure.js";
import { quantile, type RangeFigures } from "../relay/ledger.js";
import { inBatches, LoadGenerator, type PhaseTiming } from "../relay/load-generator.js";
import { cpuTimesOf, machineBusyUs, pinSelf } from "../relay/proc-stats.js";
import { registerAccounts } from "../relay/register.js";
import { RelayDevice } from "../relay/relay-device.js";
import { ClusterTarget } from "../relay/cluster-target.js";
import { ServerProcess } from "../relay/server-process.js";

const targets = { deliveredPerS: 25_000, clusterDeliveredPerS: 10_000, cpuUsPerMsg: 80, p99Ms: 20, idleKb: 10, atRate: 5_000 } as const;

interface Phase {
  readonly timing: PhaseTiming;
  readonly figures: RangeFigures;
  /** From the phase's start to its last first delivery. */
  readonly seconds: number;
  /** From the phase's start to the CPU readings. */
  readonly wallSeconds: number;
  readonly serverCpuUs: number;
  readonly clientCpuUs: number;
  /** CPU time on the server's and the load generator's CPUs used by other processes (or stolen by the hypervisor). */
  readonly foreignServerCpuUs: number | undefined;
  readonly foreignClientCpuUs: number | undefined;
  /** Busy time of the whole machine (every process: with --cluster, PostgreSQL, NATS and nginx too). */
  readonly machineCpuUs: number;
  /** p99 event-loop delay of the server (single node only) and of the load generator, ms. */
  readonly serverLoopDelayP99Ms: number | undefined;
  readonly clientLoopDelayP99Ms: number;
}

/** What the benchmark drives: one server process, or a cluster behind nginx. */
type RelayServer = ServerProcess | ClusterTarget;

/** The single CPU number of a taskset list such as "0", or undefined. */
function singleCpu(list: string | undefined): number | undefined {
  return list !== undefined && /^[0-9]+$/.test(list) ? Number(list) : undefined;
}

/** Busy plus stolen time of `cpu`, or undefined when `cpu` is. */
function cpuUsed(cpu: number | undefined): number | undefined {
  if (cpu === undefined) return undefined;
  const times = cpuTimesOf(cpu);
  return times.busyUs + times.stealUs;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      devices: { type: "string", default: "200" },
      messages: { type: "string", default: "20000" },
      warmup: { type: "string" },
      inflight: { type: "string", default: "2" },
      rate: { type: "string" },
      idle: { type: "string", default: "0" },
      "stall-seconds": { type: "string", default: "10" },
      set: { type: "string", multiple: true, default: [] },
      "server-cpus": { type: "string", default: "0" },
      "client-cpus": { type: "string", default: "1" },
      "cpu-prof": { type: "string" },
      "keep-data": { type: "boolean", default: false },
      cluster: { type: "string" },
    },
  });
  const clusterNodes = values.cluster === undefined ? undefined : positive(values.cluster, "--cluster", 1);
  // In cluster mode the pinning defaults are off: everything shares both CPUs.
  if (clusterNodes !== undefined) {
    if (!args.some((a) => a.startsWith("--server-cpus"))) values["server-cpus"] = "none";
    if (!args.some((a) => a.startsWith("--client-cpus"))) values["client-cpus"] = "none";
  }
  const devices = positive(values.devices, "--devices", 2);
  const messages = positive(values.messages, "--messages", 1);
  const warmup = values.warmup === undefined ? Math.min(20_000, Math.max(2_000, Math.ceil(messages / 10))) : positive(values.warmup, "--warmup", 0);
  const inFlight = positive(values.inflight, "--inflight", 1);
  const rate = values.rate === undefined ? undefined : positive(values.rate, "--rate", 1);
  const idle = positive(values.idle, "--idle", 0);
  const stallMs = positive(values["stall-seconds"], "--stall-seconds", 1) * 1000;
  const cpus = (value: string) => (value === "none" ? undefined : value);
  const clientCpus = cpus(values["client-cpus"]);
  const serverCpu = singleCpu(cpus(values["server-cpus"]));
  const clientCpu = singleCpu(clientCpus);
  const profileDir = values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]);
  if (clientCpus !== undefined && !pinSelf(clientCpus)) console.warn(`could not pin the load generator to CPU ${clientCpus}; running unpinned`);

  const dataDir = mkdtempSync(join(tmpdir(), "parley-relay-"));
  // All devices register and connect from one address: the per-address limits and caps, meant for
  // strangers on the internet, are lifted; the per-account ones on the send path stay in force.
  const oneAddress = [
    "rateLimits.httpRequestsPerIp.points=0",
    "rateLimits.verificationSessionsPerIp.points=0",
    "rateLimits.codeAttemptsPerIp.points=0",
    "rateLimits.registrationsPerIp.points=0",
    "connections.maxPerIp=0",
  ];
  const overrides = ["server.host=127.0.0.1", "server.port=0", `server.dataDir=${dataDir}`, "log.level=warn", ...oneAddress, ...values.set];
  const server =
    clusterNodes === undefined
      ? await ServerProcess.start({ cpus: cpus(values["server-cpus"]), overrides })
      : await ClusterTarget.start({ nodes: clusterNodes, dataDir, overrides, cpus: cpus(values["server-cpus"]) });
  let generator: LoadGenerator | undefined;
  let idleDevices: RelayDevice[] = [];
  try {
    const startRssMb = server.memory().rssKb / 1024;
    const registerStart = performance.now();
    const codeFor = (username: string) => server.codeFor(username);
    const active = await registerAccounts(server.url, devices, codeFor, { prefix: "relay", concurrency: 16 });
    const idleAccounts = await registerAccounts(server.url, idle, codeFor, { prefix: "idle", concurrency: 16 });
    const registerSeconds = (performance.now() - registerStart) / 1000;

    const ignore = { answered: () => undefined, delivered: () => undefined, closed: () => undefined };
    idleDevices = idleAccounts.map((account, i) => new RelayDevice(i, account, ignore));
    const idleKbPerDevice = idle > 0 ? await idleFootprint(server, idleDevices) : undefined;

    const load = new LoadGenerator(active, warmup + messages);
    generator = load;
    await load.connect(server.url, 200);
    await until(() => load.devices.every((d) => d.queueEmpty), stallMs, "the active devices' queue-empty markers");

    const runPhase = async (count: number, profilePath?: string): Promise<Phase> => {
      if (profilePath !== undefined) await server.startProfile();
      const serverLoop = server instanceof ServerProcess ? server : undefined;
      await serverLoop?.startLoopDelay();
      const clientLoop = monitorEventLoopDelay({ resolution: 5 });
      clientLoop.enable();
      const serverCpu0 = cpuUsed(serverCpu);
      const clientCpu0 = cpuUsed(clientCpu);
      const cpu0 = server.cpuMicros();
      const machine0 = machineBusyUs();
      const client0 = process.cpuUsage();
      const timing = rate === undefined ? await load.closedLoop(count, inFlight, stallMs) : await load.openLoop(count, rate, stallMs);
      const seconds = (load.ledger.lastDeliveryAt - timing.startedAt) / 1000;
      // Let the acknowledgements' deletes run before reading the server's CPU time.
      await sleep(250);
      const client = process.cpuUsage(client0);
      const serverCpuUs = server.cpuMicros() - cpu0;
      const machineCpuUs = machineBusyUs() - machine0;
      const clientCpuUs = client.user + client.system;
      const serverCpuUsed = cpuUsed(serverCpu);
      const clientCpuUsed = cpuUsed(clientCpu);
      clientLoop.disable();
      const serverLoopDelayP99Ms = await serverLoop?.stopLoopDelay();
      if (profilePath !== undefined) await server.stopProfile(profilePath);
      return {
        timing,
        figures: load.ledger.figures(timing.start, timing.end),
        seconds,
        wallSeconds: (performance.now() - timing.startedAt) / 1000,
        serverCpuUs,
        clientCpuUs,
        foreignServerCpuUs: serverCpuUsed === undefined ? undefined : Math.max(0, serverCpuUsed - serverCpu0! - serverCpuUs),
        foreignClientCpuUs: clientCpuUsed === undefined ? undefined : Math.max(0, clientCpuUsed - clientCpu0! - clientCpuUs),
        machineCpuUs,
        serverLoopDelayP99Ms,
        clientLoopDelayP99Ms: clientLoop.percentile(99) / 1e6,
      };
    };
    if (warmup > 0) await runPhase(warmup);
    const profilePath = profileDir === undefined ? undefined : join(profileDir, `relay-server-${Date.now()}.cpuprofile`);
    if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
    const measured = await runPhase(messages, profilePath);
    if (profilePath !== undefined) console.log(`server CPU profile of the measured phase: ${profilePath}`);
    const all = load.ledger.figures(0, load.ledger.issued);
    const leftQueued = await server.queued(active);
    const memory = server.memory();

    report({
      devices,
      messages,
      warmup,
      inFlight,
      rate,
      idle,
      serverPid: server.pid,
      clusterNodes,
      serverCpus: values["server-cpus"],
      clientCpus: values["client-cpus"],
      registerSeconds,
      registered: devices + idle,
      measured,
      all,
      failed: load.ledger.failed,
      misrouted: load.ledger.misrouted,
      protocolErrors: load.devices.reduce((sum, d) => sum + d.protocolErrors, 0),
      leftQueued,
      disconnects: load.disconnects.length,
      startRssMb,
      rssMb: memory.rssKb / 1024,
      peakRssMb: memory.peakRssKb / 1024,
      idleKbPerDevice,
    });
  } finally {
    await generator?.close();
    await inBatches(idleDevices, 500, (device) => device.close());
    await server.stop();
    if (values["keep-data"]) console.log(`data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Connects the idle devices and returns the server's RSS growth per device (KiB), both readings after a full GC. */
async function idleFootprint(server: RelayServer, idle: readonly RelayDevice[]): Promise<number> {
  await settleServer(server);
  const before = server.memory().rssKb;
  await inBatches(idle, 200, (device) => device.connect(server.url));
  await until(() => idle.every((d) => d.queueEmpty), 30_000, "the idle devices' queue-empty markers");
  await settleServer(server);
  const after = server.memory().rssKb;
  // The idle devices stay connected for the rest of the run.
  return (after - before) / idle.length;
}

async function settleServer(server: RelayServer): Promise<void> {
  await sleep(500);
  await server.gc();
  await sleep(200);
}

interface Report {
  readonly devices: number;
  readonly messages: number;
  readonly warmup: number;
  readonly inFlight: number;
  readonly rate: number | undefined;
  readonly idle: number;
  readonly serverPid: number;
  readonly clusterNodes: number | undefined;
  readonly serverCpus: string;
  readonly clientCpus: string;
  readonly registerSeconds: number;
  readonly registered: number;
  readonly measured: Phase;
  readonly all: RangeFigures;
  readonly failed: number;
  readonly misrouted: number;
  readonly protocolErrors: number;
  readonly leftQueued: number;
  readonly disconnects: number;
  readonly startRssMb: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly idleKbPerDevice: number | undefined;
}

function report(r: Report): void {
  const { figures, seconds, wallSeconds, serverCpuUs, clientCpuUs, timing, foreignServerCpuUs, foreignClientCpuUs, machineCpuUs, serverLoopDelayP99Ms, clientLoopDelayP99Ms } = r.measured;
  const delivered = figures.delivered;
  const deliveredPerS = delivered / seconds;
  const p50 = quantile(figures.latencies, 0.5);
  const p99 = quantile(figures.latencies, 0.99);
  const max = quantile(figures.latencies, 1);
  const serverUsPerMsg = serverCpuUs / delivered;
  const clientUsPerMsg = clientCpuUs / delivered;
  const atTargetRate = r.rate === targets.atRate && r.clusterNodes === undefined;
  const throughputTarget = r.clusterNodes === undefined ? targets.deliveredPerS : targets.clusterDeliveredPerS;
  const verdict = (applies: boolean, ok: boolean) => (applies ? (ok ? "yes" : "NO") : "-");
  const mode = r.rate === undefined ? `closed loop, ${r.inFlight} in flight per device` : `open loop at ${r.rate} msgs/s`;

  console.log(
    `relay: ${r.devices} devices${r.idle ? ` (+${r.idle} idle)` : ""}, ${mode}, ${r.messages} messages (+${r.warmup} warm-up), ` +
      `200-byte payloads; ${r.clusterNodes === undefined ? `server pid ${r.serverPid}` : `${r.clusterNodes} cluster nodes (PostgreSQL, NATS) behind nginx`} on CPU ${r.serverCpus}, ` +
      `load generator on CPU ${r.clientCpus}; node ${process.version}`,
  );
  console.log(`registered ${r.registered} accounts in ${r.registerSeconds.toFixed(1)} s${timing.settled ? "" : "; THE MEASURED PHASE STALLED"}`);
  const rows = [
    ["figure", "value", "target", "met"],
    ["delivered msgs/s", deliveredPerS.toFixed(0), `>= ${throughputTarget}`, verdict(r.rate === undefined, deliveredPerS >= throughputTarget)],
    ["send→delivery p50 ms", p50.toFixed(2), "", ""],
    ["send→delivery p99 ms", p99.toFixed(2), `< ${targets.p99Ms} at ${targets.atRate} msgs/s`, verdict(atTargetRate, p99 < targets.p99Ms)],
    ["send→delivery max ms", max.toFixed(2), "", ""],
    ["server CPU µs/msg", serverUsPerMsg.toFixed(1), `<= ${targets.cpuUsPerMsg} at ${targets.atRate} msgs/s`, verdict(atTargetRate, serverUsPerMsg <= targets.cpuUsPerMsg)],
    ["server CPU busy", percent(serverCpuUs / 1e6 / wallSeconds), "", ""],
    ["server event-loop delay p99 ms", serverLoopDelayP99Ms === undefined ? "-" : serverLoopDelayP99Ms.toFixed(2), "", ""],
    ["machine CPU µs/msg (all processes)", (machineCpuUs / delivered).toFixed(1), "", ""],
    ["other load on the server's CPU", foreignServerCpuUs === undefined ? "-" : percent(foreignServerCpuUs / 1e6 / wallSeconds), "~0%", ""],
    ["load generator CPU µs/msg", clientUsPerMsg.toFixed(1), "", ""],
    ["load generator CPU busy", percent(clientCpuUs / 1e6 / wallSeconds), "", ""],
    ["load generator event-loop delay p99 ms", clientLoopDelayP99Ms.toFixed(2), "", ""],
    ["other load on its CPU", foreignClientCpuUs === undefined ? "-" : percent(foreignClientCpuUs / 1e6 / wallSeconds), "~0%", ""],
    ["server RSS MB at start", r.startRssMb.toFixed(1), "", ""],
    ["server RSS MB at end (peak)", `${r.rssMb.toFixed(1)} (${r.peakRssMb.toFixed(1)})`, "", ""],
    ...(r.idleKbPerDevice === undefined
      ? []
      : [["server RSS KB per idle device", r.idleKbPerDevice.toFixed(2), `<= ${targets.idleKb}`, verdict(true, r.idleKbPerDevice <= targets.idleKb)]]),
    ["lost (whole run)", String(r.all.lost), "0", verdict(true, r.all.lost === 0)],
    ["duplicates (whole run)", String(r.all.duplicates), "", ""],
    ["failed sends (not 200)", String(r.failed), "", ""],
    ["misrouted deliveries", String(r.misrouted), "", ""],
    ["protocol errors", String(r.protocolErrors), "", ""],
    ["left in mailboxes", String(r.leftQueued), "0", verdict(true, r.leftQueued === 0)],
    ["sockets closed by server", String(r.disconnects), "", ""],
  ];
  printTable(rows);
  for (const [who, foreign] of [["server", foreignServerCpuUs], ["load generator", foreignClientCpuUs]] as const) {
    if (foreign !== undefined && foreign / 1e6 / wallSeconds > 0.1) {
      console.log(`warning: other processes used ${percent(foreign / 1e6 / wallSeconds)} of the ${who}'s CPU; throughput and latency are not comparable`);
    }
  }
  console.log(
    JSON.stringify({
      scenario: "relay",
      mode: r.rate === undefined ? "closed" : "rate",
      cluster_nodes: r.clusterNodes ?? null,
      devices: r.devices,
      messages: r.messages,
      rate: r.rate ?? null,
      inflight: r.rate === undefined ? r.inFlight : null,
      delivered_per_s: Math.round(deliveredPerS),
      p50_ms: round(p50, 2),
      p99_ms: round(p99, 2),
      server_cpu_us_per_msg: round(serverUsPerMsg, 1),
      server_rss_mb: round(r.rssMb, 1),
      lost: r.all.lost,
      duplicates: r.all.duplicates,
      failed: r.failed,
      left_in_mailboxes: r.leftQueued,
      server_cpu_busy: round(serverCpuUs / 1e6 / wallSeconds, 2),
      server_loop_delay_p99_ms: serverLoopDelayP99Ms === undefined ? null : round(serverLoopDelayP99Ms, 2),
      client_loop_delay_p99_ms: round(clientLoopDelayP99Ms, 2),
      machine_cpu_us_per_msg: round(machineCpuUs / delivered, 1),
      client_cpu_us_per_msg: round(clientUsPerMsg, 1),
      client_cpu_busy: round(clientCpuUs / 1e6 / wallSeconds, 2),
      other_load_server_cpu: foreignServerCpuUs === undefined ? null : round(foreignServerCpuUs / 1e6 / wallSeconds, 2),
      idle_devices: r.idle,
      server_rss_kb_per_idle_device: r.idleKbPerDevice === undefined ? null : round(r.idleKbPerDevice, 2),
      settled: timing.settled,
    }),
  );
}

function positive(raw: string, flag: string, minimum: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) throw new Error(`${flag} must be an integer >= ${minimum}`);
  return value;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(0)}%`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 20 ms; rejects after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
