// The catalogue of fuzz targets, with how many inputs each gets in a run of the fuzz script
// (`npm run fuzz`) and in the normal test run, and the runner both use. Server targets share one
// server per run; its store is checked for consistency after each of them and once more after it
// has been closed.
import type { StoreConsistencyReport } from "../store-consistency.js";
import { decoderTargets } from "./decoder-fuzz.js";
import { fuzzDefendedRoutes } from "./defended-fuzz.js";
import { FuzzCheckError, type FuzzResult, type FuzzRunOptions } from "./fuzz-run.js";
import { FuzzServer } from "./fuzz-server.js";
import { fuzzRawHttp, fuzzRoutes } from "./http-fuzz.js";
import { fuzzOidc } from "./oidc-fuzz.js";
import { fuzzSends } from "./send-fuzz.js";
import { fuzzSocketMessages, fuzzSocketRequests } from "./websocket-fuzz.js";

export interface FuzzTarget {
  readonly name: string;
  /** Inputs in a run of the fuzz script. */
  readonly fullRuns: number;
  /** Inputs in the normal test run. */
  readonly testRuns: number;
  /** Whether `run` attacks a server (which it is then given). */
  readonly needsServer: boolean;
  run(options: FuzzRunOptions, server?: FuzzServer): Promise<FuzzResult>;
}

const decoderRuns: Readonly<Record<string, readonly [full: number, test: number]>> = {
  "decode/frame-bytes": [15_000, 1500],
  "decode/frame-mutated": [15_000, 1000],
  "decode/envelope": [12_000, 1000],
  "decode/outgoing-messages": [12_000, 1000],
  "decode/authorization-header": [10_000, 1000],
  "decode/bus-event": [5_000, 500],
  "decode/xeddsa-signature": [2_000, 100],
};

function onServer(name: string, fullRuns: number, testRuns: number, fuzz: (server: FuzzServer, options: FuzzRunOptions) => Promise<FuzzResult>): FuzzTarget {
  return {
    name,
    fullRuns,
    testRuns,
    needsServer: true,
    run: async (options, server) => {
      if (!server) throw new Error(`fuzz target ${name} needs a server`);
      return fuzz(server, options);
    },
  };
}

export const fuzzTargets: readonly FuzzTarget[] = [
  ...decoderTargets.map((t): FuzzTarget => {
    const [fullRuns, testRuns] = decoderRuns[t.name] ?? [1000, 100];
    return { name: t.name, fullRuns, testRuns, needsServer: false, run: async (options) => t.run(options) };
  }),
  // Against a server of its own, with the abuse defences on: it needs none of the shared one.
  { name: "http/defended-routes", fullRuns: 10_000, testRuns: 300, needsServer: false, run: fuzzDefendedRoutes },
  onServer("http/routes", 12_000, 300, fuzzRoutes),
  onServer("http/raw-requests", 4_000, 150, fuzzRawHttp),
  onServer("http/oidc", 10_000, 300, fuzzOidc),
  onServer("send/envelope-fields", 8_000, 300, fuzzSends),
  onServer("ws/requests", 6_000, 300, fuzzSocketRequests),
  onServer("ws/raw-messages", 2_500, 150, fuzzSocketMessages),
];

/** The target named `name`; throws for an unknown name. */
export function fuzzTarget(name: string): FuzzTarget {
  const target = fuzzTargets.find((t) => t.name === name);
  if (!target) throw new Error(`no fuzz target ${name}`);
  return target;
}

/** Inputs for `target` in a run of `share`, times `scale` (at least one). */
export function fuzzRuns(target: FuzzTarget, share: "full" | "test", scale = 1): number {
  return Math.max(1, Math.round((share === "full" ? target.fullRuns : target.testRuns) * scale));
}

/** Fails with the report's problems, if it has any. */
export function assertConsistent(report: StoreConsistencyReport, when: string): void {
  if (report.problems.length > 0) throw new FuzzCheckError(`the store is inconsistent ${when}:\n${report.problems.join("\n")}`);
}

export interface FuzzSessionOptions {
  readonly seed: number;
  readonly share: "full" | "test";
  readonly scale?: number;
  /** Only the targets whose names start with one of these. */
  readonly only?: readonly string[];
  /** Called after each target. */
  readonly onResult?: (result: FuzzResult) => void;
  /** Called with the report on the store the server targets left behind. */
  readonly onStore?: (report: StoreConsistencyReport) => void;
}

/**
 * Runs the selected targets in catalogue order: the decoders, then the server targets against one
 * server, checking its store after each and after closing it. Throws at the first failure.
 */
export async function runFuzzSession(options: FuzzSessionOptions): Promise<FuzzResult[]> {
  const selected = fuzzTargets.filter((t) => options.only === undefined || options.only.some((prefix) => t.name.startsWith(prefix)));
  const results: FuzzResult[] = [];
  const record = (result: FuzzResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  for (const target of selected.filter((t) => !t.needsServer)) {
    record(await target.run({ seed: options.seed, numRuns: fuzzRuns(target, options.share, options.scale) }));
  }
  const serverTargets = selected.filter((t) => t.needsServer);
  if (serverTargets.length === 0) return results;
  const server = await FuzzServer.start();
  let closed = false;
  try {
    for (const target of serverTargets) {
      record(await target.run({ seed: options.seed, numRuns: fuzzRuns(target, options.share, options.scale) }, server));
      assertConsistent(server.consistency(), `after ${target.name}`);
    }
    closed = true;
    const report = await server.close();
    options.onStore?.(report);
    assertConsistent(report, "after the server closed");
  } finally {
    if (!closed) await server.close();
  }
  return results;
}
