import { connect, type NatsConnection } from "nats";
import { NatsBus } from "./nats-bus.js";
import { checkSubjectPrefix } from "./nats-subjects.js";
import { ReconnectBackoff } from "./reconnect-backoff.js";

export interface NatsBusOptions {
  /**
   * NATS server URLs (`nats://host:4222`), as a list or comma-separated. Credentials may be given
   * in a URL (`nats://user:password@host`); errors print them as [REDACTED].
   */
  readonly servers: string | readonly string[];
  /** First token(s) of every subject; deployments sharing a NATS server need different ones. */
  readonly prefix?: string;
  /** This node's name in the NATS server's monitoring. */
  readonly name?: string;
  /** How long one attempt to reach a server may take, in ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * Waits between attempts to reach NATS again, in ms: from `initial`, growing with the outage,
   * up to `max` (default 250 to 10000). Attempts never stop while the bus is open.
   */
  readonly reconnectDelayMs?: { readonly initial: number; readonly max: number };
  /**
   * Interval of the client's pings, in ms (default 10000). A server that stops answering is taken
   * as lost after three intervals, so this bounds how long an unhealthy bus reports healthy.
   */
  readonly pingIntervalMs?: number;
  /** Wake-ups ("messages", "removed") held while disconnected, at most (default 10000). */
  readonly maxPendingWakeUps?: number;
  /** How long `flush`, and the drain in `close`, may wait for the server, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Told about a listener or callback that threw; the default ignores it. Never receives event content. */
  readonly onListenerError?: (error: unknown) => void;
  /** Told each time `healthy()` changes while the bus is open. */
  readonly onHealthChange?: (healthy: boolean) => void;
  /**
   * Called after each reconnect. Events for this node's devices may have been lost while it was
   * disconnected: wake every local subscriber as if "messages" came, and re-check that each
   * device still exists, since a "removed" may have been lost as well.
   */
  readonly onReconnect?: () => void;
}

/** NATS could not be reached at startup; names the servers tried (credentials redacted). */
export class NatsConnectError extends Error {
  readonly code = "NATS_UNREACHABLE";
  override readonly name = "NatsConnectError";

  constructor(
    readonly servers: readonly string[],
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot connect to NATS at ${servers.join(", ")}: ${reason}`, { cause });
  }
}

/**
 * Connects to NATS and returns a NatsBus on that connection. Rejects with a NatsConnectError when
 * no server answers; once connected, the bus reconnects for as long as it is open.
 */
export async function connectNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  const servers = (typeof options.servers === "string" ? options.servers.split(",") : [...options.servers])
    .map((server) => server.trim())
    .filter((server) => server !== "");
  if (servers.length === 0) throw new TypeError("connectNatsBus: no NATS server given");
  const prefix = checkSubjectPrefix(options.prefix ?? "parley");
  const delays = options.reconnectDelayMs ?? { initial: 250, max: 10_000 };
  const backoff = new ReconnectBackoff(delays.initial, delays.max);
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers,
      name: options.name ?? "parley",
      // NatsBus hands this node's events to its own listeners; NATS must not hand them back.
      noEcho: true,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => backoff.delay(),
      timeout: options.connectTimeoutMs ?? 5000,
      pingInterval: options.pingIntervalMs ?? 10_000,
      maxPingOut: 2,
    });
  } catch (error) {
    throw new NatsConnectError(servers.map(redactServer), error);
  }
  backoff.reset();
  return new NatsBus(connection, {
    prefix,
    backoff,
    maxPendingWakeUps: options.maxPendingWakeUps ?? 10_000,
    timeoutMs: options.timeoutMs ?? 5000,
    onListenerError: options.onListenerError,
    onHealthChange: options.onHealthChange,
    onReconnect: options.onReconnect,
  });
}

/** A server URL with any user and password replaced by [REDACTED]. */
export function redactServer(server: string): string {
  return server.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, (_, scheme: string | undefined) => `${scheme ?? ""}[REDACTED]@`);
}
