import { defineConfig } from "vitest/config";

const shared = {
  testTimeout: 30_000,
  pool: "forks" as const,
  // --expose-gc for scripts/vitest-setup.ts (see there).
  execArgv: ["--expose-gc"],
};

export default defineConfig({
  resolve: { conditions: ["@parley/source"] },
  ssr: { resolve: { conditions: ["@parley/source"] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "all",
          include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts"],
          ...shared,
          setupFiles: ["./scripts/vitest-setup.ts"],
        },
      },
      {
        // The protocol package's whole suite (libsignal interop included) once more, on the Node
        // crypto backend: every backend must pass the same tests (docs/adr/0008).
        extends: true,
        test: {
          name: "signal-on-node-crypto",
          include: ["packages/signal/test/**/*.test.ts"],
          ...shared,
          setupFiles: ["./scripts/vitest-setup.ts", "./packages/signal-node/test/support/install-node-crypto.ts"],
        },
      },
    ],
  },
});
