import { CompiledQuery } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  FakeClock,
  createTestSchema,
  describeWithPostgres,
  newEnvelope,
  registerTestAccount,
  seededRandom,
  type StoreContext,
  type TestSchema,
} from "@parley/testkit";
import type { Stores } from "../src/ports/index.js";
import { PgExecutor, PostgresConnectError, openPostgresStores, postgresMigrations } from "../src/adapters/sql/postgres/index.js";

describe("openPostgresStores without a database", () => {
  it("names host and port, never the password, when PostgreSQL cannot be reached", async () => {
    const opening = openPostgresStores({ url: "postgres://parley:s3cret-pw@127.0.0.1:1/parley", connectTimeoutMs: 2000 });
    const error: unknown = await opening.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PostgresConnectError);
    expect((error as PostgresConnectError).code).toBe("POSTGRES_UNREACHABLE");
    expect((error as Error).message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1: /);
    expect((error as Error).message).not.toContain("s3cret-pw");
  });

  it("refuses a URL it cannot parse without repeating it", async () => {
    await expect(openPostgresStores({ url: "postgres://parley:s3cret-pw@[broken" })).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("s3cret-pw") as unknown }),
    );
  });

  it("refuses a schema name it would have to quote", async () => {
    await expect(openPostgresStores({ url: "postgres://127.0.0.1:1/x", schema: "Parley; DROP" })).rejects.toThrow(/schema name/);
  });
});

await describeWithPostgres("PostgreSQL stores", (url) => {
  let schema: TestSchema;
  const opened: { close(): Promise<void> }[] = [];

  async function open(): Promise<Stores> {
    const stores = await openPostgresStores({ url, schema: schema.name, poolSize: 2 });
    opened.push(stores);
    return stores;
  }

  function contextOf(stores: Stores, seed: string): StoreContext {
    return { stores, random: seededRandom(seed), clock: new FakeClock() };
  }

  /** Runs one statement in the test schema, outside the stores. */
  async function sql<R>(text: string): Promise<R[]> {
    const executor = new PgExecutor({ connectionString: url, max: 1, options: `-c search_path=${schema.name}` });
    opened.push(executor);
    return executor.query(CompiledQuery.raw(text) as CompiledQuery<R>);
  }

  beforeEach(async () => {
    schema = await createTestSchema(url);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((resource) => resource.close()));
    await schema.drop();
  });

  it("lets nodes that start together on an empty schema all succeed, migrating it once", async () => {
    const nodes = await Promise.all([open(), open(), open()]);
    expect(await sql<{ id: number }>("SELECT id FROM migrations ORDER BY id")).toEqual(postgresMigrations.map((migration) => ({ id: migration.id })));
    await Promise.all(nodes.map((stores) => stores.ping()));
  });

  it("refuses a schema that does not exist", async () => {
    await expect(openPostgresStores({ url, schema: `${schema.name}_missing`, poolSize: 1 })).rejects.toThrow(/does not exist/);
  });

  it("spreads mailbox entries over the hash partitions, each device's in one", async () => {
    const ctx = contextOf(await open(), "partitions");
    for (let i = 0; i < 24; i += 1) {
      const { primary } = await registerTestAccount(ctx);
      await ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, primary)]);
    }
    const rows = await sql<{ devices: number; partitions: number; per_device: number }>(
      `SELECT count(*) AS devices, count(DISTINCT partition) AS partitions, max(n) AS per_device
         FROM (SELECT min(tableoid::regclass::text) AS partition, count(DISTINCT tableoid) AS n
                 FROM mailbox_entries GROUP BY account_id, device_id) AS by_device`,
    );
    expect(rows).toEqual([{ devices: 24, partitions: expect.any(Number) as unknown, per_device: 1 }]);
    expect(rows[0]?.partitions).toBeGreaterThan(1);
  });

  it("continues a re-registered device's seqs above its predecessor's", async () => {
    const ctx = contextOf(await open(), "reregister");
    const { account, primary } = await registerTestAccount(ctx);
    await ctx.stores.mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, primary)]);
    const before = await ctx.stores.mailbox.read(primary, 0, 10);
    await registerTestAccount(ctx, { identifier: account.identifier });
    expect(await ctx.stores.mailbox.count(primary)).toBe(0);
    await ctx.stores.mailbox.append([newEnvelope(ctx, primary)]);
    const [after] = await ctx.stores.mailbox.read(primary, 0, 10);
    expect(after?.seq).toBeGreaterThan(before.at(-1)?.seq ?? Infinity);
  });

  it("numbers each device's entries one after another through grouped, single and failed appends", async () => {
    const ctx = contextOf(await open(), "contiguous");
    const { primary } = await registerTestAccount(ctx);
    const other = (await registerTestAccount(ctx)).primary;
    const missing = { accountId: primary.accountId, deviceId: 9 };
    const mailbox = ctx.stores.mailbox;
    // Started together: one grouped statement, which fails on the missing device and falls back.
    const together = await Promise.allSettled([
      mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, other)]),
      mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, missing)]),
      mailbox.append([newEnvelope(ctx, primary), newEnvelope(ctx, primary)]),
    ]);
    expect(together.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    await mailbox.append([newEnvelope(ctx, primary)]);
    // Started together and all valid: one grouped statement that succeeds.
    await Promise.all([mailbox.append([newEnvelope(ctx, primary)]), mailbox.append([newEnvelope(ctx, other), newEnvelope(ctx, primary)])]);
    const seqs = (await mailbox.read(primary, 0, 100)).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    expect(seqs).toHaveLength(6);
  });
});
