// Cluster mode with cluster.redisUrl: rate limits counted in Redis hold across nodes. Two limiter
// sets on one Redis stand for two nodes; each test has keys of its own. A proxy in front of Redis
// stands for an outage: the limits then hold in each node's memory, and no check waits for Redis.
import { describeWithRedis, freePort, startTcpProxy, uniqueRedisKeyPrefix, type TcpProxy } from "@parley/testkit";
import { afterEach, expect, it } from "vitest";
import { ApiError } from "../src/domain/api-error.js";
import { MemoryAuditLog } from "../src/security/audit-log.js";
import { RateLimits, type RateLimitName, type RateLimitWindow } from "../src/security/rate-limits.js";
import { attempt, client, settingsWith } from "./support/rate-limit-fixtures.js";
import { openRedisRateLimiters, type RedisRateLimiters } from "../src/security/redis-rate-limiters.js";


await describeWithRedis("rate limits in Redis", (url) => {
  const opened: RedisRateLimiters[] = [];
  const proxies: TcpProxy[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((limiters) => limiters.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  /** Two nodes on Redis at `target` (default: the test Redis), sharing a fresh key prefix. */
  const twoNodes = async (limits: Partial<Record<RateLimitName, RateLimitWindow>>, target = url, onConnectionError?: (error: Error) => void) => {
    const keyPrefix = uniqueRedisKeyPrefix();
    const stores = await Promise.all([1, 2].map(() => openRedisRateLimiters({ url: target, keyPrefix, ...(onConnectionError ? { onConnectionError } : {}) })));
    opened.push(...stores);
    const storeErrors: unknown[] = [];
    const nodes = stores.map(
      (store) =>
        new RateLimits({ settings: settingsWith(limits), factory: store.factory, audit: new MemoryAuditLog(), onStoreError: (error) => storeErrors.push(error) }),
    );
    return { nodes, storeErrors };
  };

  it("gives a client one budget across nodes", async () => {
    const { nodes: [first, second], storeErrors } = await twoNodes({ sendsPerPair: { points: 3, seconds: 60 } });
    await first!.consume("sendsPerPair", "alice>bob", client);
    await second!.consume("sendsPerPair", "alice>bob", client);
    await first!.consume("sendsPerPair", "alice>bob", client);
    const refused = await attempt(() => second!.consume("sendsPerPair", "alice>bob", client)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).headers?.["retry-after"]).toMatch(/^[1-9][0-9]*$/);
    await expect(attempt(() => first!.consume("sendsPerPair", "alice>bob", client))).rejects.toBeInstanceOf(ApiError);
    await second!.consume("sendsPerPair", "alice>carol", client);
    expect(storeErrors).toEqual([]);
  });

  it("keeps a lockout stored, so every node refuses the address", async () => {
    const { nodes: [first, second] } = await twoNodes({ authFailuresPerIp: { points: 2, seconds: 60 } });
    expect(await first!.penalize("authFailuresPerIp", client.key)).toBe(0);
    expect(await second!.penalize("authFailuresPerIp", client.key)).toBe(0);
    expect(await first!.penalize("authFailuresPerIp", client.key)).toBeGreaterThan(500);
    await expect(attempt(() => second!.check("authFailuresPerIp", client.key, client))).rejects.toBeInstanceOf(ApiError);
    await second!.check("authFailuresPerIp", "198.51.100.1", client);
  });

  it("counts bytes per sender across nodes", async () => {
    const { nodes: [first, second] } = await twoNodes({ bytesPerSender: { points: 1000, seconds: 60 } });
    await first!.consume("bytesPerSender", "alice", client, 600);
    await expect(attempt(() => second!.consume("bytesPerSender", "alice", client, 600))).rejects.toBeInstanceOf(ApiError);
    await second!.consume("bytesPerSender", "bob", client, 600);
  });

  it("keeps test runs apart by key prefix", async () => {
    const { nodes: [first] } = await twoNodes({ sendsPerPair: { points: 1, seconds: 60 } });
    const { nodes: [other] } = await twoNodes({ sendsPerPair: { points: 1, seconds: 60 } });
    await first!.consume("sendsPerPair", "alice>bob", client);
    await other!.consume("sendsPerPair", "alice>bob", client);
  });

  it("counts in each node's memory while Redis is unreachable, without waiting for it", async () => {
    const proxy = await startTcpProxy(url);
    proxies.push(proxy);
    let lost: () => void = () => undefined;
    const connectionLost = new Promise<void>((resolve) => (lost = resolve));
    const { nodes: [first, second], storeErrors } = await twoNodes({ sendsPerPair: { points: 2, seconds: 60 } }, proxy.url.replace(/^nats:/, "redis:"), lost);
    await first!.consume("sendsPerPair", "alice>bob", client);
    await proxy.cut();
    await connectionLost;
    const started = performance.now();
    // The count stored before the outage is not seen: each node starts afresh in memory.
    await first!.consume("sendsPerPair", "alice>bob", client);
    await first!.consume("sendsPerPair", "alice>bob", client);
    await expect(attempt(() => first!.consume("sendsPerPair", "alice>bob", client))).rejects.toBeInstanceOf(ApiError);
    await second!.consume("sendsPerPair", "alice>bob", client);
    await second!.consume("sendsPerPair", "alice>bob", client);
    await expect(attempt(() => second!.consume("sendsPerPair", "alice>bob", client))).rejects.toBeInstanceOf(ApiError);
    // Far below the command timeout: the checks were not sent to the dead connection.
    expect(performance.now() - started).toBeLessThan(250);
    expect(storeErrors).toEqual([]);
  });

  it("refuses to start when Redis cannot be reached, naming where it looked", async () => {
    const port = await freePort();
    await expect(openRedisRateLimiters({ url: `redis://user:secret@127.0.0.1:${port}` })).rejects.toThrow(
      new RegExp(`cannot reach Redis for the rate limits at 127\\.0\\.0\\.1:${port} \\(cluster\\.redisUrl\\): .*ECONNREFUSED`),
    );
  });
});
