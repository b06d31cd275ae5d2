// Lint rules, including the package dependency rules of the architecture brief:
// protocol and signal depend on nothing of ours, never on Node built-ins; signal-node on
// signal/backend only; sdk on protocol and signal; server on protocol and signal/verify only.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeBuiltins = {
  group: ["node:*"],
  message: "Isomorphic packages must not import Node built-ins.",
};
const ours = (allowed) => ({
  group: ["@parley/*", ...allowed.map((name) => `!${name}`)],
  message: `This package may only import ${allowed.length ? allowed.join(", ") : "no other Parley package"}.`,
});

export default tseslint.config(
  { ignores: ["**/dist/**", "**/dist-test/**", "**/node_modules/**", ".node24/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Type-aware rules, for the files a tsconfig covers: a promise nobody awaits loses its
    // rejection (and, for a store write, the ordering the protocol relies on).
    files: ["packages/*/src/**/*.ts", "packages/*/test/**/*.ts", "bench/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    files: ["packages/protocol/src/**/*.ts", "packages/signal/src/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [nodeBuiltins, ours([])] }] },
  },
  {
    // The Node crypto backend implements @parley/signal's backend port and nothing else.
    files: ["packages/signal-node/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "@parley/signal", message: "The Node backend may only import @parley/signal/backend." }],
          patterns: [{ group: ["@parley/*", "!@parley/signal", "@parley/signal/*", "!@parley/signal/backend"], message: "The Node backend may only import @parley/signal/backend." }],
        },
      ],
    },
  },
  {
    files: ["packages/sdk/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [nodeBuiltins, ours(["@parley/protocol", "@parley/signal"])] }],
    },
  },
  {
    files: ["packages/server/src/**/*.ts"],
    rules: {
      // gitignore-style patterns: @parley/signal is re-included so that its ./verify subpath can
      // be; the bare package and every other subpath are refused.
      "no-restricted-imports": [
        "error",
        {
          paths: [{ name: "@parley/signal", message: "The server may only import @parley/signal/verify: it never decrypts." }],
          patterns: [
            {
              group: ["@parley/*", "!@parley/protocol", "!@parley/signal", "@parley/signal/*", "!@parley/signal/verify"],
              message: "The server may only import @parley/protocol and @parley/signal/verify.",
            },
          ],
        },
      ],
    },
  },
);
