// What a client is made with: the options of ParleyClient and the platform services they resolve to.
import type { Identifier } from "@parley/protocol";
import { secureRandom, type RandomSource } from "@parley/signal";
import { ParleyError, SdkErrorCode } from "../errors.js";
import type { KeyValueStore } from "../storage/key-value-store.js";
import type { FactorPrompt } from "../security/factor-types.js";
import type { RunnerContext } from "../storage/unit-of-work.js";
import { globalWebSocketFactory, type FetchLike, type WebSocketFactory } from "../transport/websocket-like.js";
import type { Clock } from "./context.js";
import type { PreKeyPolicy } from "./prekeys.js";

export interface ClientOptions {
  readonly store: KeyValueStore;
  /** Defaults to the platform's WebSocket (browsers; Node 22+). In Node 20 pass the `ws` package's. */
  readonly webSocket?: WebSocketFactory;
  /** Defaults to the global fetch. */
  readonly fetch?: FetchLike;
  readonly random?: RandomSource;
  readonly clock?: Clock;
  /** Node's AsyncLocalStorage, where available: turns a nested storage unit into an error instead of a hang. */
  readonly asyncContext?: RunnerContext;
  /** Hold messages to a contact whose identity key changed until acceptIdentity (default true). */
  readonly blockOnIdentityChange?: boolean;
  /** Encrypt only to devices in the account's signed device list (default true). */
  readonly requireSignedDeviceLists?: boolean;
  /** Answer every received message with a delivery receipt (default true). */
  readonly sendDeliveryReceipts?: boolean;
  readonly preKeys?: Partial<PreKeyPolicy>;
  readonly requestTimeoutMs?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly keepAliveMs?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export interface RegisterOptions extends ClientOptions {
  readonly serverUrl: string;
  readonly identifier: Identifier;
  /** Returns the verification code the user received; asked again after a wrong one. */
  readonly getCode: (session: { sessionId: string; attemptsLeft: number; retry: boolean }) => Promise<string>;
  /**
   * Asked when the account exists and is protected (registration lock PIN, TOTP, passkey): returns
   * the factors the requirement names; asked again after a refused answer. Without it, registering
   * a protected account fails with FACTORS_REQUIRED.
   */
  readonly getFactors?: FactorPrompt;
  readonly deviceName?: string;
}

export interface LinkOptions extends ClientOptions {
  readonly serverUrl: string;
  /** Show this code on the new device; the primary approves it with approveLink(code). */
  readonly onLinkingCode: (code: string) => void;
  /** As RegisterOptions.getFactors: linking a device of a protected account asks for its factors. */
  readonly getFactors?: FactorPrompt;
  readonly deviceName?: string;
  readonly timeoutMs?: number;
}

export interface SafetyNumber {
  /** 60 digits, the same on both sides; compare them in groups of five. */
  readonly digits: string;
  /** The bytes to put in a QR code (base64); the other side scans and compares. */
  readonly scannable: string;
}

type Services = Pick<ClientOptions, "fetch" | "webSocket"> & { random: RandomSource; clock: Clock };

export function services(options: ClientOptions): Services & { fetch: FetchLike; webSocket: WebSocketFactory } {
  const webSocket = options.webSocket ?? globalWebSocketFactory();
  if (!webSocket) throw new ParleyError(SdkErrorCode.InvalidArgument, "no WebSocket on this platform: pass options.webSocket");
  const platformFetch = globalThis.fetch as unknown as FetchLike | undefined;
  // Browsers refuse a fetch called on anything but the global object ("Illegal invocation"), so
  // the platform's is bound here rather than stored as a method of another object.
  const fetch = options.fetch ?? (platformFetch && ((input, init) => platformFetch.call(globalThis, input, init)));
  if (!fetch) throw new ParleyError(SdkErrorCode.InvalidArgument, "no fetch on this platform: pass options.fetch");
  return { fetch, webSocket, random: options.random ?? secureRandom, clock: options.clock ?? { now: () => Date.now() } };
}

export function randomRegistrationId(random: RandomSource): number {
  const bytes = random(2);
  return ((((bytes[0]! << 8) | bytes[1]!) & 0x3fff) % 0x3ffe) + 1;
}
