// Benchmark entry point: `npm run bench -- <scenario> [flags]`. Each scenario prints a table
// and, last, one line of JSON with its figures.
const scenarios: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  signal: () => import("./scenarios/signal.js"),
  relay: () => import("./scenarios/relay.js"),
  e2ee: () => import("./scenarios/e2ee.js"),
  flood: () => import("./scenarios/flood.js"),
  auth: () => import("./scenarios/auth.js"),
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : scenarios[name];
if (!load) {
  console.error(`usage: npm run bench -- <scenario> [flags]\nscenarios: ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
await (await load()).run(rest);
