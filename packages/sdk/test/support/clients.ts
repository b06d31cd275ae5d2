// Helpers for SDK integration tests: real server on loopback, SDK clients over the `ws` package.
import { AsyncLocalStorage } from "node:async_hooks";
import { webcrypto } from "node:crypto";
import WebSocket from "ws";
import { MemoryKeyValueStore, ParleyClient, type ClientOptions, type KeyValueStore, type WebSocketFactory } from "../../src/index.js";
import type { TestServer } from "@parley/testkit";

export const nodeWebSocket: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as ReturnType<WebSocketFactory>;

let counter = 0;

/** Options for fast tests: small prekey batches, quick retries. */
export function testOptions(store: KeyValueStore = new MemoryKeyValueStore()): ClientOptions {
  return {
    store,
    webSocket: nodeWebSocket,
    asyncContext: new AsyncLocalStorage<readonly object[]>(),
    preKeys: { batch: 5, minimum: 2 },
    retryInitialMs: 50,
    retryMaxMs: 500,
    reconnectInitialMs: 50,
    reconnectMaxMs: 500,
    random: (n) => webcrypto.getRandomValues(new Uint8Array(n)),
  };
}

export function uniqueUsername(prefix = "user"): string {
  counter++;
  return `${prefix}${process.pid}x${counter}`;
}

/** Registers a username account on `server` and connects it. */
export async function registerClient(server: TestServer, options: Partial<ClientOptions> = {}, username = uniqueUsername()): Promise<ParleyClient> {
  const client = await ParleyClient.register({
    ...testOptions(),
    ...options,
    serverUrl: server.url,
    identifier: { kind: "username", value: username },
    getCode: async () => server.codes.codeFor(username),
  });
  await client.connect();
  return client;
}

/** Links a new device to `primary`'s account and connects it. */
export async function linkClient(server: TestServer, primary: ParleyClient, options: Partial<ClientOptions> = {}): Promise<ParleyClient> {
  const linked = ParleyClient.link({
    ...testOptions(),
    ...options,
    serverUrl: server.url,
    onLinkingCode: (code) => void primary.approveLink(code),
  });
  const client = await linked;
  await client.connect();
  return client;
}
