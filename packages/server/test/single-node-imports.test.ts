import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

/** Static import and re-export specifiers of a module (dynamic import() calls excluded). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gms)) found.push(match[1] ?? "");
  for (const match of text.matchAll(/^\s*import\s+"([^"]+)"/gm)) found.push(match[1] ?? "");
  return found;
}

/** Every package a module loads, directly or through the modules of ours it imports statically. */
function packagesReachedFrom(entry: string): Map<string, string> {
  const reached = new Map<string, string>();
  const seen = new Set<string>();
  const pending = [join(src, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith(".")) pending.push(join(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else if (!reached.has(specifier)) reached.set(specifier, relative(src, file));
    }
  }
  return reached;
}

// Cluster-only modules (PostgreSQL) are loaded lazily by the composition root: the single-node
// start must never load the pg client.
describe("single-node imports", () => {
  for (const entry of ["adapters/sql/index.ts", "main.ts"]) {
    it(`${entry} does not load pg`, () => {
      const reached = packagesReachedFrom(entry);
      expect(reached.size).toBeGreaterThan(0);
      expect(reached.get("pg")).toBeUndefined();
    });
  }

  it("finds pg behind the cluster storage module (the walk sees through re-exports)", () => {
    expect(packagesReachedFrom("adapters/sql/postgres/index.ts").get("pg")).toMatch(/^adapters\/sql\/postgres\//);
  });
});
