import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { StoredEnvelope } from "../../server/src/ports/index.js";
import {
  linkTestDevice,
  newEnvelope,
  peerStores,
  registerTestAccount,
  useStores,
  type StoresFactory,
} from "./store-fixtures.js";

const DAY = 86_400_000;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function fieldsOf(entries: readonly StoredEnvelope[]) {
  return entries.map(({ id, accountId, deviceId, data, receivedAt }) => ({ id, accountId, deviceId, data, receivedAt }));
}

/** The guarantees of MailboxStore (ports/mailbox-store.ts), for any Stores implementation. */
export function describeMailboxStoreContract(name: string, factory: StoresFactory): void {
  describe(`MailboxStore contract: ${name}`, () => {
    const context = useStores(factory);

    it("returns appended envelopes unchanged, in append order, with increasing seq", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const first = [newEnvelope(ctx, primary), newEnvelope(ctx, primary)];
      const second = [newEnvelope(ctx, primary)];
      const given = [...(await ctx.stores.mailbox.append(first)), ...(await ctx.stores.mailbox.append(second))];
      const entries = await ctx.stores.mailbox.read(primary, 0, 10);
      expect(fieldsOf(entries)).toEqual([...first, ...second]);
      const seqs = entries.map((entry) => entry.seq);
      expect(given).toEqual(seqs);
      expect(seqs.every((seq, i) => seq > 0 && Number.isSafeInteger(seq) && (i === 0 || seq > (seqs[i - 1] ?? 0)))).toBe(true);
    });

    it("reads only entries after the given seq, at most limit of them", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.mailbox.append(Array.from({ length: 5 }, () => newEnvelope(ctx, primary)));
      const all = await ctx.stores.mailbox.read(primary, 0, 100);
      const page = await ctx.stores.mailbox.read(primary, all[1]?.seq ?? 0, 2);
      expect(page.map((entry) => entry.seq)).toEqual([all[2]?.seq, all[3]?.seq]);
      expect(await ctx.stores.mailbox.read(primary, all[4]?.seq ?? 0, 10)).toEqual([]);
      expect(await ctx.stores.mailbox.read(primary, 0, 0)).toEqual([]);
    });

    it("never returns another device's entries", async () => {
      const ctx = context();
      const { account, primary } = await registerTestAccount(ctx);
      const linked = await linkTestDevice(ctx, account);
      const other = (await registerTestAccount(ctx)).primary;
      const forPrimary = [newEnvelope(ctx, primary), newEnvelope(ctx, primary)];
      const mixed = [newEnvelope(ctx, linked), forPrimary[0], newEnvelope(ctx, other), forPrimary[1]];
      await ctx.stores.mailbox.append(mixed.flatMap((envelope) => (envelope === undefined ? [] : [envelope])));
      expect(fieldsOf(await ctx.stores.mailbox.read(primary, 0, 10))).toEqual(forPrimary);
      expect(await ctx.stores.mailbox.count(linked)).toBe(1);
      expect(await ctx.stores.mailbox.count(other)).toBe(1);
    });

    // Seqs compare only within a device (a backend may number each device on its own), so the
    // seq acknowledged here is one the linked device has and, numbered either way, the primary
    // does not: its newest, above the primary's single entry.
    it("acknowledging deletes only the given device's entries", async () => {
      const ctx = context();
      const { account, primary } = await registerTestAccount(ctx);
      const linked = await linkTestDevice(ctx, account);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary)]);
      await ctx.stores.mailbox.append([newEnvelope(ctx, linked), newEnvelope(ctx, linked), newEnvelope(ctx, linked)]);
      const linkedEntries = await ctx.stores.mailbox.read(linked, 0, 10);
      expect(await ctx.stores.mailbox.ack(primary, [linkedEntries.at(-1)?.seq ?? 0])).toBe(0);
      expect(await ctx.stores.mailbox.count(linked)).toBe(3);
      expect(await ctx.stores.mailbox.count(primary)).toBe(1);
    });

    it("acknowledging is idempotent and returns how many entries existed", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, primary), newEnvelope(ctx, primary)]);
      const [a, b, c] = (await ctx.stores.mailbox.read(primary, 0, 10)).map((entry) => entry.seq);
      expect(await ctx.stores.mailbox.ack(primary, [a ?? 0, b ?? 0, a ?? 0])).toBe(2);
      expect(await ctx.stores.mailbox.ack(primary, [a ?? 0, b ?? 0])).toBe(0);
      expect(await ctx.stores.mailbox.ack(primary, [])).toBe(0);
      expect((await ctx.stores.mailbox.read(primary, 0, 10)).map((entry) => entry.seq)).toEqual([c]);
    });

    it("counts the queued entries of a device", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      expect(await ctx.stores.mailbox.count(primary)).toBe(0);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, primary)]);
      expect(await ctx.stores.mailbox.count(primary)).toBe(2);
      expect(await ctx.stores.mailbox.count({ accountId: primary.accountId, deviceId: 9 })).toBe(0);
    });

    it("reports the depth of the whole queue, across devices, as entries come and go", async () => {
      const ctx = context();
      const before = await ctx.stores.mailbox.depth();
      const first = (await registerTestAccount(ctx)).primary;
      const second = (await registerTestAccount(ctx)).primary;
      await ctx.stores.mailbox.append([newEnvelope(ctx, first), newEnvelope(ctx, second), newEnvelope(ctx, second)]);
      expect(await ctx.stores.mailbox.depth()).toBe(before + 3);
      const [entry] = await ctx.stores.mailbox.read(second, 0, 1);
      await ctx.stores.mailbox.ack(second, [entry!.seq]);
      expect(await ctx.stores.mailbox.depth()).toBe(before + 2);
    });

    it("clear removes every entry of one device and none of another", async () => {
      const ctx = context();
      const { account, primary } = await registerTestAccount(ctx);
      const linked = await linkTestDevice(ctx, account);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, linked), newEnvelope(ctx, primary)]);
      await ctx.stores.mailbox.clear(primary);
      expect(await ctx.stores.mailbox.count(primary)).toBe(0);
      expect(await ctx.stores.mailbox.count(linked)).toBe(1);
    });

    it("purgeExpired deletes entries received before the cutoff, at most limit per call", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const old = [newEnvelope(ctx, primary), newEnvelope(ctx, primary), newEnvelope(ctx, primary)];
      const cutoff = ctx.clock.advance(30 * DAY);
      const atCutoff = newEnvelope(ctx, primary);
      ctx.clock.advance(1);
      const fresh = newEnvelope(ctx, primary);
      await ctx.stores.mailbox.append([...old, atCutoff, fresh]);
      expect(await ctx.stores.mailbox.purgeExpired(cutoff, 2)).toBe(2);
      expect(await ctx.stores.mailbox.purgeExpired(cutoff, 2)).toBe(1);
      expect(await ctx.stores.mailbox.purgeExpired(cutoff, 2)).toBe(0);
      expect(fieldsOf(await ctx.stores.mailbox.read(primary, 0, 10))).toEqual([atCutoff, fresh]);
    });

    it("an append with an already stored envelope id stores nothing", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const stored = newEnvelope(ctx, primary);
      await ctx.stores.mailbox.append([stored]);
      const rejected = [newEnvelope(ctx, primary), { ...newEnvelope(ctx, primary), id: stored.id }];
      await expect(ctx.stores.mailbox.append(rejected)).rejects.toThrow();
      const twice = newEnvelope(ctx, primary);
      await expect(ctx.stores.mailbox.append([twice, twice])).rejects.toThrow();
      expect(fieldsOf(await ctx.stores.mailbox.read(primary, 0, 10))).toEqual([stored]);
    });

    it("an append for a device that does not exist stores nothing", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const missing = { accountId: primary.accountId, deviceId: 5 };
      await expect(ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, missing)])).rejects.toThrow();
      expect(await ctx.stores.mailbox.count(primary)).toBe(0);
      expect(await ctx.stores.mailbox.count(missing)).toBe(0);
    });

    it("a failing append fails alone: appends started together with it are stored", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const missing = { accountId: primary.accountId, deviceId: 5 };
      const good = [newEnvelope(ctx, primary), newEnvelope(ctx, primary)];
      const outcomes = await Promise.allSettled([
        ctx.stores.mailbox.append([good[0]!]),
        ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, missing)]),
        ctx.stores.mailbox.append([good[1]!]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      const stored = await ctx.stores.mailbox.read(primary, 0, 10);
      expect(stored.map((e) => e.id)).toEqual(good.map((e) => e.id));
      expect(stored.map((e) => e.seq)).toEqual(outcomes.flatMap((o) => (o.status === "fulfilled" ? o.value : [])));
    });

    it("hands out a higher seq after the newest entry was acknowledged", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary)]);
      const [first] = await ctx.stores.mailbox.read(primary, 0, 1);
      await ctx.stores.mailbox.ack(primary, [first?.seq ?? 0]);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary)]);
      const [second] = await ctx.stores.mailbox.read(primary, first?.seq ?? 0, 1);
      expect(second?.seq).toBeGreaterThan(first?.seq ?? Infinity);
    });

    it("keeps every envelope of concurrent appends, each append's entries in its own order", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const appends = Array.from({ length: 50 }, () => [newEnvelope(ctx, primary), newEnvelope(ctx, primary)]);
      await Promise.all(appends.map((envelopes) => ctx.stores.mailbox.append(envelopes)));
      const entries = await ctx.stores.mailbox.read(primary, 0, 1000);
      expect(entries).toHaveLength(100);
      const position = new Map(entries.map((entry, i) => [Buffer.from(entry.id).toString("hex"), i]));
      for (const [a, b] of appends) {
        const ia = position.get(Buffer.from(a?.id ?? []).toString("hex")) ?? -1;
        const ib = position.get(Buffer.from(b?.id ?? []).toString("hex")) ?? -1;
        expect(ia).toBeGreaterThanOrEqual(0);
        expect(ib).toBeGreaterThan(ia);
      }
    });

    // Several writers (server nodes, where the backend has connections to share) append to one
    // device while a reader follows it the way a delivery session does: from the highest seq it
    // has seen, never looking below it again. Every entry must reach the reader, so seqs of one
    // device must become visible in order even when appends commit concurrently.
    it("a reader following one device with a cursor sees every entry of concurrent appends by several writers", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const [reader = ctx.stores, ...others] = await peerStores(ctx, 3);
      const writers = [ctx.stores, ...others];
      const lanes = writers.flatMap((writer) =>
        Array.from({ length: 4 }, () => ({
          writer,
          appends: Array.from({ length: 20 }, (_, i) => Array.from({ length: 1 + (i % 2) }, () => newEnvelope(ctx, primary))),
        })),
      );
      const seen: StoredEnvelope[] = [];
      let writing = true;
      const following = (async () => {
        let cursor = 0;
        for (;;) {
          // Read once more after the last append resolved, and stop only when that read is empty.
          const last = !writing;
          const page = await reader.mailbox.read(primary, cursor, 50);
          seen.push(...page);
          cursor = page.at(-1)?.seq ?? cursor;
          if (page.length > 0) continue;
          if (last) return;
          await nextTurn();
        }
      })();
      try {
        await Promise.all(
          lanes.map(async ({ writer, appends }) => {
            for (const envelopes of appends) await writer.mailbox.append(envelopes);
          }),
        );
      } finally {
        writing = false;
        await following;
      }
      const appended = lanes.flatMap((lane) => lane.appends.flat().map((envelope) => hex(envelope.id)));
      expect(seen.map((entry) => hex(entry.id)).sort()).toEqual(appended.sort());
      const seqs = seen.map((entry) => entry.seq);
      expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0))).toBe(true);
    });

    it("keeps its own copy of the bytes it is given and returns", async () => {
      const ctx = context();
      const { primary } = await registerTestAccount(ctx);
      const envelope = newEnvelope(ctx, primary);
      const expected = { ...envelope, id: envelope.id.slice(), data: envelope.data.slice() };
      await ctx.stores.mailbox.append([envelope]);
      envelope.data.fill(0);
      envelope.id.fill(0);
      const [read] = await ctx.stores.mailbox.read(primary, 0, 1);
      read?.data.fill(1);
      expect(fieldsOf(await ctx.stores.mailbox.read(primary, 0, 1))).toEqual([expected]);
    });
  });
}
