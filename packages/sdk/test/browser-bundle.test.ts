// The SDK must run unchanged in browsers: bundling it for the browser platform must need no Node
// built-in and no Node-only package.
import { describe, expect, it } from "vitest";
import { bundleForBrowser } from "./support/bundle-for-browser.js";

describe("SDK in browsers", () => {
  it("bundles for the browser platform without Node built-ins", async () => {
    const { errors, code } = await bundleForBrowser(new URL("../src/index.ts", import.meta.url));
    expect(errors).toEqual([]);
    expect(code.length).toBeGreaterThan(10_000);
    expect(code).not.toMatch(/from\s*["']node:|require\(["']node:/);
    expect(code).toContain("parley-auth.");
  });
});
