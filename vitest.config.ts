import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@parley/source"] },
  ssr: { resolve: { conditions: ["@parley/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    pool: "forks",
    // --expose-gc for scripts/vitest-setup.ts (see there).
    execArgv: ["--expose-gc"],
    setupFiles: ["./scripts/vitest-setup.ts"],
  },
});
