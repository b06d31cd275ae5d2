// Cluster mode, optional: rate-limit counters in Redis instead of PostgreSQL (cluster.redisUrl).
// A message send checks two counters (sendsPerPair, bytesPerSender); in PostgreSQL each is a
// commit, in Redis one script call in memory. Imports `ioredis`: the composition root loads this
// module lazily, only when cluster.redisUrl is set.
//
// Guarantees, as with PostgreSQL: every node counts against the same keys, so a client gets one
// budget however its requests are spread; a key over its limit is then refused from this node's
// memory until its window ends (lockouts excepted: they must be stored to hold on every node).
// While Redis cannot be reached, or answers too slowly, each node counts in its own memory, so
// limits hold per node instead of failing open; those counts are not carried over to Redis when
// it is back. Redis need not persist anything: after a restart of Redis the windows start afresh.
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { RateLimiterFactory } from "./rate-limits.js";

export const DEFAULT_REDIS_KEY_PREFIX = "parley:rl";

/** Longest a counter command may take before the check counts in memory instead (ms). */
const COMMAND_TIMEOUT_MS = 500;
/** Longest connecting may take, at start and on each reconnection attempt (ms). */
const CONNECT_TIMEOUT_MS = 2000;

export interface RedisRateLimitersOptions {
  /** The Redis URL (cluster.redisUrl): redis://[user:password@]host:port[/db], or rediss:// for TLS. */
  readonly url: string;
  /** First part of every key, so deployments (or tests) can share one Redis (default "parley:rl"). */
  readonly keyPrefix?: string;
  /** The connection was lost, or a reconnection failed; told once per outage, not per attempt. */
  readonly onConnectionError?: (error: Error) => void;
}

export interface RedisRateLimiters {
  readonly factory: RateLimiterFactory;
  close(): Promise<void>;
}

/** Connects to Redis (failing with a clear error when it cannot be reached) and returns the factory. */
export async function openRedisRateLimiters(options: RedisRateLimitersOptions): Promise<RedisRateLimiters> {
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectionName: "parley-rate-limits",
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A Redis that is down or stalls must not stall requests: a command is never queued while
    // disconnected, never retried, and gives up after COMMAND_TIMEOUT_MS; the limiter then counts
    // in memory. An increment is not resent after a reconnection either, since the check it
    // belonged to has already been counted in memory.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempts) => Math.min(attempts * 100, 2000),
  });
  let started = false;
  let startError: Error | undefined;
  let reported = false;
  client.on("error", (error: Error) => {
    if (!started) {
      startError ??= error;
      return;
    }
    if (reported) return;
    reported = true;
    options.onConnectionError?.(error);
  });
  client.on("ready", () => {
    reported = false;
  });
  try {
    await client.connect();
    started = true;
  } catch (failure) {
    client.disconnect();
    // connect() only says the connection closed; the first error event says why.
    const error = startError ?? failure;
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new Error(`cannot reach Redis for the rate limits at ${hostOf(options.url)} (cluster.redisUrl): ${reason}`, { cause: error });
  }
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const factory: RateLimiterFactory = (name, window, blockSeconds) => {
    const common = { points: window.points, duration: window.seconds, blockDuration: blockSeconds };
    return new RateLimiterRedis({
      ...common,
      keyPrefix: `${prefix}:${name}`,
      storeClient: client,
      useRedisPackage: false,
      // Not connected: count in memory at once instead of trying the socket.
      rejectIfRedisNotReady: true,
      // A lockout must be stored to hold on every node, so that limit is never short-cut in memory.
      ...(blockSeconds > 0 ? {} : { inMemoryBlockOnConsumed: window.points + 1 }),
      insuranceLimiter: new RateLimiterMemory({ ...common, keyPrefix: name }),
    });
  };
  return {
    factory,
    close: async () => {
      // quit() waits for the answers to commands in flight; a client that is not connected has none.
      if (client.status === "ready") await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/** host:port of a URL, without credentials. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "6379"}`;
  } catch {
    return "an unparsable URL";
  }
}
