// Redis for tests: the shared server named by PARLEY_TEST_REDIS_URL, and key prefixes no other
// test uses. Whether Redis answers is asked over a plain socket, so testkit needs no Redis client.
import { randomBytes } from "node:crypto";
import { createConnection } from "node:net";
import { describe, it } from "vitest";

/** A local server without a password, as CI provides it. */
export const DEFAULT_REDIS_TEST_URL = "redis://127.0.0.1:6379";

/** The test Redis: PARLEY_TEST_REDIS_URL, else DEFAULT_REDIS_TEST_URL. */
export function redisTestUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const url = env["PARLEY_TEST_REDIS_URL"]?.trim();
  return url === undefined || url === "" ? DEFAULT_REDIS_TEST_URL : url;
}

/** A key prefix no other test uses, so test files sharing one Redis never interfere. */
export function uniqueRedisKeyPrefix(): string {
  return `parleytest:${randomBytes(8).toString("hex")}`;
}

/** Why Redis at `url` cannot serve the tests (it must answer PING without a password), or undefined when it answers. */
export function redisUnavailableReason(url: string, timeoutMs = 1000): Promise<string | undefined> {
  let host: string;
  let port: number;
  try {
    const parsed = new URL(url);
    host = parsed.hostname || "127.0.0.1";
    port = parsed.port === "" ? 6379 : Number(parsed.port);
  } catch {
    return Promise.resolve("the Redis test URL cannot be parsed");
  }
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let received = "";
    const finish = (reason: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason === undefined ? undefined : `Redis at ${host}:${port} is unavailable (${reason})`);
    };
    const timer = setTimeout(() => finish("no answer"), timeoutMs);
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.includes("\r\n")) finish(received.startsWith("+PONG") ? undefined : received.trim());
    });
    socket.on("error", (error) => finish(error.message || error.name));
    socket.on("close", () => finish("connection closed"));
  });
}

/**
 * Declares `body`'s suites when Redis answers at the test URL. Otherwise, in CI (CI=true) the file
 * fails; elsewhere it reports one skipped test whose name says why, and warns.
 */
export async function describeWithRedis(name: string, body: (url: string) => void): Promise<void> {
  const url = redisTestUrl();
  const reason = await redisUnavailableReason(url);
  if (reason === undefined) {
    describe(name, () => body(url));
    return;
  }
  if (process.env["CI"] === "true") throw new Error(`${name}: ${reason}; CI must provide it (PARLEY_TEST_REDIS_URL)`);
  console.warn(`skipping ${name}: ${reason} (set PARLEY_TEST_REDIS_URL)`);
  describe.skip(name, () => {
    it(`needs Redis: ${reason}`, () => undefined);
  });
}
