// The abuse defences of one server, in one place for the transports to consult: who a client is
// (trusted proxies), whether its address may connect (IP rules), how many connections it and its
// account hold (caps), the rate limits, and the audit log every refusal is written to.
import type { IncomingMessage } from "node:http";
import type { Server } from "node:net";
import { ErrorCode, httpStatusOf, type ErrorBody } from "@parley/protocol";
import type { Route } from "../api/route.js";
import { ApiError } from "../domain/api-error.js";
import { withAuditedFailures } from "./audited-routes.js";
import { noAuditLog, type AuditLog, type RuleCheckpoint } from "./audit-log.js";
import { CidrList } from "./cidr-list.js";
import { ClientAddressResolver, type ClientAddress } from "./client-address.js";
import { ConnectionCounter } from "./connection-counter.js";
import { guardConnections } from "./connection-guard.js";
import { IpRules } from "./ip-rules.js";
import { IpRulesSource } from "./ip-rules-source.js";
import { withRateLimits } from "./rate-limited-routes.js";
import { memoryRateLimiters, RateLimits, type RateLimiterFactory } from "./rate-limits.js";
import type { ConnectionSettings, SecuritySettings } from "./security-settings.js";

/** A refused request or upgrade: the response to give. */
export interface Refusal {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SecurityOptions {
  readonly settings: SecuritySettings;
  /** Default: in memory (single node). Cluster nodes pass one on a store they share. */
  readonly rateLimiters?: RateLimiterFactory;
  /** Default: none. */
  readonly audit?: AuditLog;
  /** Told about failures that do not refuse anything (a rate-limit store that is down). */
  readonly onWarning?: (error: unknown, message: string) => void;
}

export class Security {
  readonly audit: AuditLog;
  readonly limits: RateLimits | undefined;
  readonly connections: ConnectionSettings;
  readonly #resolver: ClientAddressResolver;
  readonly #rules: IpRulesSource;
  readonly #socketsPerIp: ConnectionCounter;
  readonly #socketsPerAccount: ConnectionCounter;
  readonly #ruleListeners: ((rules: IpRules) => void)[] = [];

  /** Throws when a range list or the rules file does not parse (at start, every mistake is fatal). */
  constructor(options: SecurityOptions) {
    const { settings } = options;
    const warn = options.onWarning ?? (() => undefined);
    this.audit = options.audit ?? noAuditLog;
    this.connections = settings.connections;
    this.#resolver = new ClientAddressResolver(CidrList.parse(settings.trustedProxies));
    this.#rules = new IpRulesSource({
      fixed: new IpRules(CidrList.parse(settings.ipRules.allow), CidrList.parse(settings.ipRules.deny)),
      file: settings.ipRules.file,
      pollIntervalMs: settings.ipRules.pollIntervalMs,
      onReload: (rules) => {
        this.audit.record({ event: "ip_rules_reloaded", allow: rules.allow.size, deny: rules.deny.size });
        for (const listener of this.#ruleListeners) listener(rules);
      },
      onReloadError: (error) => {
        this.audit.record({ event: "ip_rules_reload_failed", reason: error instanceof Error ? error.message : String(error) });
        warn(error, "the IP rules file could not be re-read; the previous rules stay in force");
      },
    });
    this.limits =
      settings.rateLimits === undefined
        ? undefined
        : new RateLimits({
            settings: settings.rateLimits,
            factory: options.rateLimiters ?? memoryRateLimiters,
            audit: this.audit,
            onStoreError: (error, limit) => warn(error, `rate limit ${limit}: the store failed; the request is let through`),
          });
    this.#socketsPerIp = new ConnectionCounter(settings.connections.maxPerIp);
    this.#socketsPerAccount = new ConnectionCounter(settings.connections.maxPerAccount);
  }

  /** The routes with their rate limits in front and their guessing failures audited. */
  guardRoutes(routes: readonly Route[]): Route[] {
    const audited = withAuditedFailures(routes, this.audit);
    return this.limits ? withRateLimits(audited, this.limits) : audited;
  }

  /** Applies the caps, timeouts and IP rules to every TCP connection `server` accepts. */
  attach(server: Server): void {
    guardConnections(server, {
      settings: this.connections,
      resolver: this.#resolver,
      rules: () => this.#rules.rules,
      audit: this.audit,
    });
  }

  /** The client of an HTTP request or WebSocket upgrade. */
  clientOf(request: IncomingMessage): ClientAddress {
    return this.#resolver.resolve(request.socket.remoteAddress, request.headers["x-forwarded-for"]);
  }

  /** Whether `client` may connect under the rules in force; a refusal is audited as made at `at`. */
  admits(client: ClientAddress, at: RuleCheckpoint): boolean {
    if (this.#rules.rules.allows(client.address)) return true;
    this.audit.record({ event: "address_denied", ip: client.ip, at });
    return false;
  }

  /** Every HTTP request: the IP rules, then the per-address request budget. */
  async screenRequest(client: ClientAddress): Promise<Refusal | undefined> {
    if (!this.admits(client, "request")) return refusal(ErrorCode.AddressDenied, "requests from this address are not accepted");
    try {
      await this.limits?.consume("httpRequestsPerIp", client.key, client);
    } catch (error) {
      if (error instanceof ApiError) return refusalOf(error);
      throw error;
    }
    return undefined;
  }

  /**
   * A WebSocket upgrade from `client`: the IP rules and the per-address cap. On success the socket
   * holds a slot of its address until `releaseAddress`.
   */
  admitSocket(client: ClientAddress): Refusal | undefined {
    if (!this.admits(client, "upgrade")) return refusal(ErrorCode.AddressDenied, "connections from this address are not accepted");
    if (this.#socketsPerIp.tryAcquire(client.key)) return undefined;
    this.audit.record({ event: "connection_cap", ip: client.ip, cap: "per_ip" });
    return refusal(ErrorCode.TooManyConnections, "too many connections from this address", 60);
  }

  releaseAddress(client: ClientAddress): void {
    this.#socketsPerIp.release(client.key);
  }

  /** An authenticated socket of `account`: the per-account cap; on success held until `releaseAccount`. */
  admitAccount(client: ClientAddress, account: string): Refusal | undefined {
    if (this.#socketsPerAccount.tryAcquire(account)) return undefined;
    this.audit.record({ event: "connection_cap", ip: client.ip, cap: "per_account", account });
    return refusal(ErrorCode.TooManyConnections, "too many connections of this account", 60);
  }

  releaseAccount(account: string): void {
    this.#socketsPerAccount.release(account);
  }

  /** A 429 while `client` is locked out after too many failed authentications. */
  async lockedOut(client: ClientAddress): Promise<Refusal | undefined> {
    try {
      await this.limits?.check("authFailuresPerIp", client.key, client);
      return undefined;
    } catch (error) {
      if (error instanceof ApiError) return refusalOf(error);
      throw error;
    }
  }

  /** Audits a failed authentication and counts it towards the address's lockout. */
  async authenticationFailed(client: ClientAddress, transport: "http" | "websocket", account: string | undefined): Promise<void> {
    this.audit.record({ event: "auth_failed", ip: client.ip, transport, ...(account === undefined ? {} : { account }) });
    const seconds = (await this.limits?.penalize("authFailuresPerIp", client.key)) ?? 0;
    if (seconds > 0) this.audit.record({ event: "auth_lockout", ip: client.ip, seconds });
  }

  /**
   * Audits a request the OpenID Connect provider refused (a wrong client secret, authorization
   * code, code verifier or redirect URI, a missing PKCE challenge, a dead token) and counts it
   * towards the address's lockout, as a failed device authentication is.
   */
  async oauthRefused(client: ClientAddress, endpoint: string, error: string): Promise<void> {
    this.audit.record({ event: "oidc_refused", ip: client.ip, endpoint, error });
    const seconds = (await this.limits?.penalize("authFailuresPerIp", client.key)) ?? 0;
    if (seconds > 0) this.audit.record({ event: "auth_lockout", ip: client.ip, seconds });
  }

  /** Calls `listener` with the rules after every successful reload. */
  onRulesReload(listener: (rules: IpRules) => void): void {
    this.#ruleListeners.push(listener);
  }

  /** Re-reads the IP rules file (SIGHUP); rejects, keeping the old rules, when it is invalid. */
  async reloadRules(): Promise<void> {
    await this.#rules.reload();
  }

  /** Whether `client` may still connect under the rules now in force (no audit). */
  stillAdmits(client: ClientAddress): boolean {
    return this.#rules.rules.allows(client.address);
  }

  async close(): Promise<void> {
    this.#rules.close();
    await this.audit.close();
  }
}

function refusal(code: ErrorCode, message: string, retryAfterSeconds?: number): Refusal {
  return {
    status: httpStatusOf(code),
    body: { code, message, ...(retryAfterSeconds === undefined ? {} : { details: { retryAfterSeconds } }) },
    headers: retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
  };
}

function refusalOf(error: ApiError): Refusal {
  return {
    status: error.status,
    body: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    headers: error.headers ?? {},
  };
}
