// A real Parley server on 127.0.0.1, port 0, for integration tests, with injected clock and
// stores; the verification codes it sends are captured. `close` releases everything it opened.
import { createMemoryStores, createServer, defaultDomainSettings, InProcessBus, type Clock, type DomainSettings, type ParleyServer, type Stores, type TlsSettings, type SecurityOptions, type OidcSettings } from "@parley/server";
import { randomBytes } from "node:crypto";
import { pino, type Logger } from "pino";
import { ApiClient } from "./api-client.js";
import { CapturedVerificationSender } from "./captured-sender.js";
import { httpsFetch } from "./https-fetch.js";

export interface TestServerOptions {
  readonly stores?: Stores;
  readonly clock?: Clock;
  readonly settings?: Partial<{ [K in keyof DomainSettings]: Partial<DomainSettings[K]> }>;
  readonly maxBodyBytes?: number;
  readonly maxFrameBytes?: number;
  readonly deliveryWindow?: number;
  readonly requestTimeoutMs?: number;
  /** Listen on this port instead of a free one (to restart a server where clients expect it). */
  readonly port?: number;
  /** Single-node fast paths (device-list cache, direct hand-over of new envelopes); default true. */
  readonly singleNode?: boolean;
  /** Where the server logs; silent when absent. */
  readonly logger?: Logger;
  /** Serve HTTPS and WSS with `settings`; `ca` is what clients trust (the api client does). */
  readonly tls?: { readonly settings: TlsSettings; readonly ca: string };
  /** Abuse defences (rate limits, IP rules, caps, audit log); none when absent. */
  readonly security?: SecurityOptions;
  /** Listen on this address (default 127.0.0.1; "::1" or "::" for IPv6 tests). */
  readonly host?: string;
  /** Serve the OpenID Connect provider under /oidc with these settings (keyRefreshMs 0 suits tests). */
  readonly oidc?: OidcSettings;
}

export interface TestServer {
  readonly server: ParleyServer;
  readonly url: string;
  readonly api: ApiClient;
  readonly codes: CapturedVerificationSender;
  readonly stores: Stores;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const stores = options.stores ?? createMemoryStores();
  const codes = new CapturedVerificationSender();
  const base = defaultDomainSettings;
  const s = options.settings ?? {};
  const settings: DomainSettings = {
    verification: { ...base.verification, ...s.verification },
    devices: { ...base.devices, ...s.devices },
    keys: { ...base.keys, ...s.keys },
    messages: { ...base.messages, ...s.messages },
    retention: { ...base.retention, ...s.retention },
    auth: { ...base.auth, ...s.auth },
  };
  const server = await createServer({
    stores,
    bus: new InProcessBus(),
    clock: options.clock ?? { now: () => Date.now() },
    random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
    logger: options.logger ?? pino({ level: "silent" }),
    verificationSender: codes,
    settings,
    transport: {
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      maxBodyBytes: options.maxBodyBytes ?? 2 * 1024 * 1024,
      maxFrameBytes: options.maxFrameBytes ?? 2 * 1024 * 1024,
      deliveryWindow: options.deliveryWindow ?? 128,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      pingIntervalMs: 30_000,
    },
    purgeIntervalMs: 0,
    singleNode: options.singleNode ?? true,
    ...(options.tls ? { tls: options.tls.settings } : {}),
    ...(options.security ? { security: options.security } : {}),
    ...(options.oidc ? { oidc: options.oidc } : {}),
  });
  const url = await server.listen();
  const api = options.tls ? new ApiClient(url, undefined, httpsFetch(options.tls.ca)) : new ApiClient(url);
  return { server, url, api, codes, stores, close: () => server.close() };
}
