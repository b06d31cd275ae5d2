// `npm run fuzz`: every fuzz target with its full share of inputs (over 100,000 in all): the
// decoders, the routes against a server with tight abuse defences (its own), then HTTP (the OpenID Connect provider included), send and WebSocket targets against
// one server on a SQLite file, whose store is checked for consistency after each target and after
// the server has stopped.
//
//   FUZZ_SEED=<n>         replay a run (the seed is printed at the start)
//   FUZZ_TARGETS=a,b      only targets whose names start with one of these (e.g. decode/,http/routes)
//   FUZZ_SCALE=<x>        multiply every target's inputs (0.1 for a quick run)
//   FUZZ_STACK=1          print the failure's stack, not only its message
import { formatOutcomes, fuzzSeed, type FuzzResult } from "../packages/testkit/src/fuzz/fuzz-run.js";
import { runFuzzSession } from "../packages/testkit/src/fuzz/fuzz-targets.js";

const seed = fuzzSeed();
const scale = Number(process.env["FUZZ_SCALE"] ?? "1");
if (!(scale > 0)) throw new Error("FUZZ_SCALE must be a positive number");
const only = process.env["FUZZ_TARGETS"]?.split(",").map((t) => t.trim()).filter((t) => t.length > 0);

console.log(`parley fuzz: seed ${seed} (replay with FUZZ_SEED=${seed}), scale ${scale}${only ? `, targets ${only.join(",")}` : ""}`);
const started = performance.now();
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

try {
  const results = await runFuzzSession({
    seed,
    share: "full",
    scale,
    ...(only ? { only } : {}),
    onResult: (r: FuzzResult) => {
      console.log(`${r.target.padEnd(28)} ${String(r.inputs).padStart(7)} inputs ${seconds(r.durationMs).padStart(8)}  ${formatOutcomes(r.outcomes, 8)}`);
      if (r.slowest) console.log(`${"".padEnd(28)} slowest input ${r.slowest.ms.toFixed(0)} ms: ${r.slowest.what}`);
    },
    onStore: (report) => {
      const counts = Object.entries(report.counts).map(([table, n]) => `${table} ${n}`);
      console.log(`store consistency: ${report.problems.length === 0 ? "ok" : `${report.problems.length} problems`} (${counts.join(", ")})`);
    },
  });
  const total = results.reduce((sum, r) => sum + r.inputs, 0);
  console.log(`total: ${total} inputs in ${results.length} targets, ${seconds(performance.now() - started)}; no failures`);
} catch (error) {
  console.error(error instanceof Error ? (process.env["FUZZ_STACK"] ? error.stack : error.message) : error);
  console.error(`fuzzing failed after ${seconds(performance.now() - started)}; replay with FUZZ_SEED=${seed}`);
  process.exitCode = 1;
}
