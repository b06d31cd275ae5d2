// Cluster mode: rate limits counted in PostgreSQL hold across nodes. Two limiter sets on one
// database stand for two nodes: a client spreading its requests over both gets one budget.
import { createTestSchema, describeWithPostgres, type TestSchema } from "@parley/testkit";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ApiError } from "../src/domain/api-error.js";
import { MemoryAuditLog } from "../src/security/audit-log.js";
import { openPostgresRateLimiters, type PostgresRateLimiters } from "../src/security/postgres-rate-limiters.js";
import { RateLimits, type RateLimitName, type RateLimitWindow } from "../src/security/rate-limits.js";
import { attempt, client, settingsWith } from "./support/rate-limit-fixtures.js";


await describeWithPostgres("rate limits in PostgreSQL", (url) => {
  let schema: TestSchema;
  const opened: PostgresRateLimiters[] = [];
  beforeEach(async () => {
    schema = await createTestSchema(url);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((limiters) => limiters.close()));
    await schema.drop();
  });

  /** Two nodes starting together (both create the table if missing). */
  const twoNodes = async (limits: Partial<Record<RateLimitName, RateLimitWindow>>) => {
    const stores = await Promise.all([1, 2].map(() => openPostgresRateLimiters({ url, schema: schema.name, poolSize: 2 })));
    opened.push(...stores);
    const warnings: unknown[] = [];
    return stores.map(
      (store) =>
        new RateLimits({ settings: settingsWith(limits), factory: store.factory, audit: new MemoryAuditLog(), onStoreError: (error) => warnings.push(error) }),
    );
  };

  it("gives a client one budget across nodes", async () => {
    const [first, second] = await twoNodes({ sendsPerPair: { points: 3, seconds: 60 } });
    await first!.consume("sendsPerPair", "alice>bob", client);
    await second!.consume("sendsPerPair", "alice>bob", client);
    await first!.consume("sendsPerPair", "alice>bob", client);
    const refused = await attempt(() => second!.consume("sendsPerPair", "alice>bob", client)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).headers?.["retry-after"]).toMatch(/^[1-9][0-9]*$/);
    await expect(attempt(() => first!.consume("sendsPerPair", "alice>bob", client))).rejects.toBeInstanceOf(ApiError);
    await second!.consume("sendsPerPair", "alice>carol", client);
  });

  it("keeps a lockout stored, so every node refuses the address", async () => {
    const [first, second] = await twoNodes({ authFailuresPerIp: { points: 2, seconds: 60 } });
    expect(await first!.penalize("authFailuresPerIp", client.key)).toBe(0);
    expect(await second!.penalize("authFailuresPerIp", client.key)).toBe(0);
    expect(await first!.penalize("authFailuresPerIp", client.key)).toBeGreaterThan(500);
    await expect(attempt(() => second!.check("authFailuresPerIp", client.key, client))).rejects.toBeInstanceOf(ApiError);
    await second!.check("authFailuresPerIp", "198.51.100.1", client);
  });

  it("counts bytes per sender across nodes", async () => {
    const [first, second] = await twoNodes({ bytesPerSender: { points: 1000, seconds: 60 } });
    await first!.consume("bytesPerSender", "alice", client, 600);
    await expect(attempt(() => second!.consume("bytesPerSender", "alice", client, 600))).rejects.toBeInstanceOf(ApiError);
    await second!.consume("bytesPerSender", "bob", client, 600);
  });
});
