// SDK clients for the end-to-end benchmark: Node's `ws`, AsyncLocalStorage, SQLite stores on disk
// (the terminal client's encrypted store), a chosen crypto backend, small prekey batches so that
// setup stays short.
import { webcrypto } from "node:crypto";
import { ParleyClient, type ClientOptions, type WebSocketFactory } from "@parley/sdk";
import { useCryptoBackend, webCryptoBackend } from "@parley/signal/backend";
import { nodeCryptoBackend } from "@parley/signal-node";
import WebSocket from "ws";
import type { CryptoBackendName } from "./worker-protocol.js";
import { openSqliteKeyValueStore } from "../../apps/cli/src/storage/sqlite-key-value-store.js";

/** "node" is what the terminal client installs (docs/adr/0008); "webcrypto" is the isomorphic default. */
export function useBackend(name: CryptoBackendName): void {
  const backends = { node: nodeCryptoBackend, webcrypto: webCryptoBackend };
  if (!(name in backends)) throw new Error(`unknown backend ${name}; known: ${Object.keys(backends).join(", ")}`);
  useCryptoBackend(backends[name]);
}

const webSocket: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as ReturnType<WebSocketFactory>;

export const benchPassphrase = "benchmark passphrase";

export async function clientOptions(path: string): Promise<ClientOptions> {
  return {
    store: await openSqliteKeyValueStore({ path, passphrase: benchPassphrase }),
    webSocket,
    preKeys: { batch: 20, minimum: 5 },
    random: (n) => webcrypto.getRandomValues(new Uint8Array(n)),
    retryInitialMs: 50,
    retryMaxMs: 1000,
  };
}

export async function openClient(path: string): Promise<ParleyClient> {
  return ParleyClient.open(await clientOptions(path));
}

/** Registers a username account whose client keeps its state in `path`. */
export async function registerClient(serverUrl: string, path: string, username: string, codeFor: (username: string) => Promise<string>): Promise<ParleyClient> {
  return ParleyClient.register({
    ...(await clientOptions(path)),
    serverUrl,
    identifier: { kind: "username", value: username },
    getCode: () => codeFor(username),
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across worker threads. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
