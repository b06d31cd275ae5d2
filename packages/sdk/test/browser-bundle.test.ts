// The SDK must run unchanged in browsers: bundling it for the browser platform must need no Node
// built-in and no Node-only package.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("SDK in browsers", () => {
  it("bundles for the browser platform without Node built-ins", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      conditions: ["@parley/source"],
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/);
    expect(code).toContain("parley-auth.");
  });
});
