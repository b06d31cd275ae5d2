// The SDK's runtime edges on Node: WebSocket from the `ws` package (Node 20 has no global one),
// AsyncLocalStorage as the storage runner's context, and the operating system's random source.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomFillSync } from "node:crypto";
import type { ClientOptions, KeyValueStore, WebSocketFactory, WebSocketLike } from "@parley/sdk";
import WebSocket from "ws";
import { CliError, CliErrorCode } from "./cli-error.js";

export const nodeWebSocket: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as WebSocketLike;

const nodeRandom: NonNullable<ClientOptions["random"]> = (length) => randomFillSync(new Uint8Array(length));

/**
 * Client options for a command-line process. Retries are capped lower than the SDK's defaults:
 * a command runs for seconds, and an item that backed off in an earlier run must not hold the
 * next one up for a minute.
 *
 * Tuning knob: PARLEY_PREKEY_BATCH sets how many one-time prekeys of each kind are generated
 * at a time (default 100); the refill threshold is a quarter of it. Small batches make
 * registration fast (tests use 5) at the cost of refilling more often.
 */
export function nodeClientOptions(store: KeyValueStore, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const batch = preKeyBatch(env["PARLEY_PREKEY_BATCH"]);
  return {
    store,
    webSocket: nodeWebSocket,
    asyncContext: new AsyncLocalStorage<readonly object[]>(),
    random: nodeRandom,
    retryInitialMs: 500,
    retryMaxMs: 5_000,
    reconnectInitialMs: 500,
    reconnectMaxMs: 10_000,
    ...(batch === undefined ? {} : { preKeys: { batch, minimum: Math.max(1, Math.floor(batch / 4)) } }),
  };
}

function preKeyBatch(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const batch = Number(value);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100) {
    throw new CliError(CliErrorCode.Usage, "PARLEY_PREKEY_BATCH must be a whole number from 1 to 100");
  }
  return batch;
}
