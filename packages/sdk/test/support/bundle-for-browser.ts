// Bundles a module of this package for the browser platform (ESM, from the TypeScript sources),
// as a web app's build would.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

export async function bundleForBrowser(entry: URL): Promise<{ errors: unknown[]; code: string }> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    conditions: ["@parley/source"],
    logLevel: "silent",
  });
  return { errors: result.errors, code: result.outputFiles[0]?.text ?? "" };
}
