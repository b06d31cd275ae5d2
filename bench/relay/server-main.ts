// The relay benchmark's server process: the production composition (`buildSingleNodeServer`:
// SQLite file, in-process bus, system clock, crypto randomness; or `buildClusterNode` with
// mode=cluster: PostgreSQL and NATS) with one bench-only part, a verification
// sender that hands codes to the parent over IPC instead of texting them. Started by
// bench/relay/server-process.ts with `taskset` and an IPC channel; arguments are config
// overrides ("section.key=value").
import { buildClusterNode, buildSingleNodeServer, createLogger, loadConfig, type VerificationSender } from "@parley/server";
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { asParentRequest, type ParentRequest, type ServerMessage } from "./ipc.js";

const send = process.send?.bind(process);
if (!send) throw new Error("server-main.ts must be started with an IPC channel (see server-process.ts)");
const tell = (message: ServerMessage) =>
  new Promise<void>((resolve, reject) => send(message, undefined, {}, (error) => (error ? reject(error) : resolve())));

const config = loadConfig({ overrides: process.argv.slice(2) });
const logger = createLogger(config);
const codesToParent: VerificationSender = { send: ({ identifier, code }) => tell({ type: "code", identifier, code }) };
const build = config.mode === "cluster" ? buildClusterNode : buildSingleNodeServer;
const { server, stores } = await build(config, logger, codesToParent);

let profiler: Session | undefined;
let loopDelay: IntervalHistogram | undefined;

async function answer(request: ParentRequest): Promise<number> {
  switch (request.op) {
    case "profile-start":
      profiler = new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
      return 0;
    case "profile-stop": {
      if (!profiler) throw new Error("no profile is running");
      const { profile } = await profiler.post("Profiler.stop");
      profiler.disconnect();
      profiler = undefined;
      await writeFile(request.path, JSON.stringify(profile));
      return 0;
    }
    case "loop-delay-start":
      loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      return 0;
    case "loop-delay-stop": {
      if (!loopDelay) throw new Error("no event-loop delay is being recorded");
      loopDelay.disable();
      const p99 = loopDelay.percentile(99) / 1e6;
      loopDelay = undefined;
      return p99;
    }
    case "gc": {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) throw new Error("start the server with --expose-gc");
      gc();
      return 0;
    }
    case "count": {
      let total = 0;
      for (const device of request.devices) total += await stores.mailbox.count(device);
      return total;
    }
    case "stop":
      await server.close();
      return 0;
  }
}

process.on("message", (raw: unknown) => {
  const request = asParentRequest(raw);
  if (!request) return;
  answer(request).then(
    (value) => tell({ type: "answer", id: request.id, value }),
    (error: unknown) => tell({ type: "failed", id: request.id, message: error instanceof Error ? error.message : String(error) }),
  ).then(
    () => {
      if (request.op === "stop") process.exit(0);
    },
    () => process.exit(1),
  );
});
// The parent going away closes the channel; nothing is left to serve.
process.on("disconnect", () => process.exit(0));

await tell({ type: "listening", url: await server.listen() });
