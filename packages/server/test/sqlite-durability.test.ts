import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FakeClock,
  linkTestDevice,
  newEnvelope,
  registerTestAccount,
  seededRandom,
  tempDir,
  type StoreContext,
  type TempDir,
} from "@parley/testkit";
import type { Stores } from "../src/ports/index.js";
import { openSqliteStores } from "../src/adapters/sql/index.js";

describe("SQLite stores on a file", () => {
  let dir: TempDir;
  let path: string;
  const open: Stores[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir.path, "nested", "parley.db");
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((stores) => stores.close()));
    await dir.cleanup();
  });

  async function openContext(seed: string): Promise<StoreContext> {
    const stores = await openSqliteStores({ path });
    open.push(stores);
    return { stores, random: seededRandom(seed), clock: new FakeClock() };
  }

  it("keeps appended envelopes after the file is closed and reopened", async () => {
    const first = await openContext("reopen");
    const { primary } = await registerTestAccount(first);
    const envelopes = [newEnvelope(first, primary), newEnvelope(first, primary)];
    await first.stores.mailbox.append(envelopes);
    await first.stores.close();
    const second = await openContext("reopen-2");
    const entries = await second.stores.mailbox.read(primary, 0, 10);
    expect(entries.map((entry) => entry.data)).toEqual(envelopes.map((envelope) => envelope.data));
  });

  it("finishes queued appends before closing", async () => {
    const first = await openContext("close");
    const { primary } = await registerTestAccount(first);
    const pending = first.stores.mailbox.append([newEnvelope(first, primary)]);
    await first.stores.close();
    await pending;
    const second = await openContext("close-2");
    expect(await second.stores.mailbox.count(primary)).toBe(1);
  });

  it("commits 200 concurrent appends, all readable once they resolve", async () => {
    const ctx = await openContext("group");
    const { account, primary } = await registerTestAccount(ctx);
    const linked = await linkTestDevice(ctx, account);
    const appends = Array.from({ length: 200 }, (_, i) => [newEnvelope(ctx, i % 2 === 0 ? primary : linked)]);
    await Promise.all(appends.map((envelopes) => ctx.stores.mailbox.append(envelopes)));
    expect(await ctx.stores.mailbox.count(primary)).toBe(100);
    expect(await ctx.stores.mailbox.count(linked)).toBe(100);
  });

  it("rejects only the failing batch of a group commit", async () => {
    const ctx = await openContext("failing");
    const { primary } = await registerTestAccount(ctx);
    const stored = newEnvelope(ctx, primary);
    await ctx.stores.mailbox.append([stored]);
    const good = Array.from({ length: 10 }, () => newEnvelope(ctx, primary));
    const duplicate = { ...newEnvelope(ctx, primary), id: stored.id };
    // Issued in one tick, so they share one flush.
    const results = await Promise.allSettled([
      ...good.slice(0, 5).map((envelope) => ctx.stores.mailbox.append([envelope])),
      ctx.stores.mailbox.append([newEnvelope(ctx, primary), duplicate]),
      ...good.slice(5).map((envelope) => ctx.stores.mailbox.append([envelope])),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      ...Array<string>(5).fill("fulfilled"),
      "rejected",
      ...Array<string>(5).fill("fulfilled"),
    ]);
    const entries = await ctx.stores.mailbox.read(primary, 0, 100);
    expect(entries.map((entry) => entry.id)).toEqual([stored, ...good].map((envelope) => envelope.id));
  });
});
