// `npm run bench -- auth [flags]`: what strong authentication costs the server. The server runs
// as in the relay benchmark (its own process, the production composition on a fresh SQLite file,
// pinned to CPU 0) with the rate limits off; this process (pinned to CPU 1) drives it over HTTP.
//   pin      PUT /v1/auth/pin, one request at a time: each derives a scrypt verifier at the
//            configured cost (auth.pinHashCost), as every PIN check at registration does.
//   sign-in  whole "Sign in with Parley" flows, one at a time (./../auth/sign-in-flow.ts): nine
//            HTTP requests, two interaction pages, a device approval, the code exchange and the
//            ID token checked against the JWKS.
// Prints a table, then one line of JSON.
//
// Flags (defaults in parentheses):
//   --pins N            PIN updates to time (40)
//   --seconds S         length of the sign-in phase (10)
//   --set key=value     server config override, repeatable
//   --server-cpus L     taskset CPU list of the server ("0"; "none": unpinned)
//   --client-cpus L     taskset CPU list of this process ("1"; "none": unpinned)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { basicAuthorization } from "@parley/protocol";
import { discoverApp, redirectUri, signInOnce } from "../auth/sign-in-flow.js";
import { printTable } from "../measure.js";
import { quantile } from "../relay/ledger.js";
import { pinSelf } from "../relay/proc-stats.js";
import { registerAccounts, type BenchAccount } from "../relay/register.js";
import { ServerProcess } from "../relay/server-process.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

interface Phase {
  readonly count: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMsPer: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      pins: { type: "string", default: "40" },
      seconds: { type: "string", default: "10" },
      set: { type: "string", multiple: true, default: [] },
      "server-cpus": { type: "string", default: "0" },
      "client-cpus": { type: "string", default: "1" },
    },
  });
  const cpus = (value: string) => (value === "none" ? undefined : value);
  const clientCpus = cpus(values["client-cpus"]);
  if (clientCpus !== undefined && !pinSelf(clientCpus)) console.warn(`could not pin this process to CPU ${clientCpus}; running unpinned`);
  const dataDir = mkdtempSync(join(tmpdir(), "parley-auth-"));
  const overrides = ["server.host=127.0.0.1", "server.port=0", `server.dataDir=${dataDir}`, "log.level=warn", "rateLimits.enabled=false", "security.auditLog=", ...values.set];
  // The app is registered on the database before the server opens it (the benchmark server has no
  // admin socket); the command creates and migrates the file.
  const added = execFileSync(
    process.execPath,
    [join(repoRoot, "apps/cli/dist/bin/parley.js"), "oidc", "clients", "add", "--name", "Bench App", "--redirect-uri", redirectUri, "--data-dir", dataDir],
    { encoding: "utf8" },
  );
  const clientId = /^client_id: (\S+)$/m.exec(added)?.[1];
  const clientSecret = /^client_secret: (\S+)$/m.exec(added)?.[1];
  if (!clientId || !clientSecret) throw new Error(`parley oidc clients add printed no client:\n${added}`);
  const server = await ServerProcess.start({ cpus: cpus(values["server-cpus"]), overrides });
  try {
    const [user] = (await registerAccounts(server.url, 1, (username) => server.codeFor(username), { prefix: "auth", concurrency: 1 })) as [BenchAccount];
    const pin = await timed(server, Number(values.pins), Infinity, async (i) => {
      const response = await fetch(`${server.url}/v1/auth/pin`, {
        method: "PUT",
        headers: { authorization: basicAuthorization(user.accountId, user.deviceId, user.password), "content-type": "application/json" },
        body: JSON.stringify({ pin: `pin-${i}-${i * 7919}` }),
      });
      if (response.status !== 204) throw new Error(`PUT /v1/auth/pin: ${response.status} ${await response.text()}`);
    });
    const app = await discoverApp(server.url, clientId, clientSecret);
    await signInOnce(server.url, app, user); // warm-up: the first flow also asks for the consent
    const signIn = await timed(server, Infinity, Number(values.seconds), async () => {
      await signInOnce(server.url, app, user);
    });
    report(pin, signIn, values.set);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs `op` one at a time, `count` times or for `seconds`, whichever ends first. */
async function timed(server: ServerProcess, count: number, seconds: number, op: (i: number) => Promise<void>): Promise<Phase> {
  const latencies: number[] = [];
  const cpu0 = server.cpuMicros();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const t0 = performance.now();
    await op(i);
    latencies.push(performance.now() - t0);
  }
  const elapsed = (performance.now() - start) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: latencies.length,
    seconds: elapsed,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    serverCpuMsPer: (server.cpuMicros() - cpu0) / 1000 / Math.max(1, latencies.length),
  };
}

function report(pin: Phase, signIn: Phase, overrides: readonly string[]): void {
  const row = (name: string, phase: Phase) => [
    name,
    String(phase.count),
    (phase.count / phase.seconds).toFixed(1),
    phase.p50Ms.toFixed(1),
    phase.p99Ms.toFixed(1),
    phase.serverCpuMsPer.toFixed(2),
  ];
  printTable([["operation", "count", "per s", "p50 ms", "p99 ms", "server CPU ms each"], row("PIN verifier (scrypt)", pin), row("sign-in flow", signIn)]);
  console.log(
    JSON.stringify({
      scenario: "auth",
      node: process.version,
      overrides,
      pin: { ...pin, perSecond: pin.count / pin.seconds },
      signIn: { ...signIn, perSecond: signIn.count / signIn.seconds },
    }),
  );
}
