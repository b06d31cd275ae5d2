// Builds a Parley server from injected parts, so tests and embedders choose the adapters; only
// main.ts names concrete ones. Nothing listens until `listen` is called.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createDispatcher } from "./api/dispatch.js";
import { buildRoutes } from "./api/routes.js";
import type { Services } from "./api/services.js";
import { BodyValidator } from "./api/validation.js";
import { AccountService } from "./domain/account-service.js";
import { Authenticator } from "./domain/authenticator.js";
import { DeviceService } from "./domain/device-service.js";
import { FactorCheck } from "./domain/factor-check.js";
import { FactorService } from "./domain/factor-service.js";
import { PasskeyCeremonies } from "./domain/passkeys.js";
import { KeyService } from "./domain/key-service.js";
import { MessageService } from "./domain/message-service.js";
import { ProvisioningService } from "./domain/provisioning-service.js";
import { RegistrationService } from "./domain/registration-service.js";
import { RetentionService, type PurgeResult } from "./domain/retention-service.js";
import type { DomainSettings } from "./domain/settings.js";
import { createHttpApp } from "./http/http-app.js";
import { hstsHeaderValue, secureContextOptions, tlsServerOptions, type TlsSettings } from "./http/tls-options.js";
import type { Bus } from "./ports/bus.js";
import type { Clock } from "./ports/clock.js";
import type { Random } from "./ports/random.js";
import type { Stores } from "./ports/stores.js";
import type { VerificationSender } from "./ports/verification-sender.js";
import { CachedAccountStore } from "./adapters/cache/cached-account-store.js";
import { instrumentedDispatcher } from "./observability/instrumented-dispatcher.js";
import { InstrumentedMailboxStore } from "./observability/instrumented-mailbox-store.js";
import { ServerMetrics } from "./observability/server-metrics.js";
import { guardedDispatcher } from "./security/guarded-dispatcher.js";
import { CidrList } from "./security/cidr-list.js";
import { ClientAddressResolver } from "./security/client-address.js";
import { OidcHost } from "./oidc/oidc-host.js";
import type { OidcSettings } from "./oidc/oidc-settings.js";
import { SignInApprovals } from "./oidc/sign-in-approvals.js";
import { Security, type SecurityOptions } from "./security/security.js";
import { FrameRouter } from "./ws/frame-router.js";
import { WebSocketGateway } from "./ws/websocket-gateway.js";

export interface TransportSettings {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxFrameBytes: number;
  readonly deliveryWindow: number;
  readonly requestTimeoutMs: number;
  readonly pingIntervalMs: number;
}

export interface ServerDeps {
  readonly stores: Stores;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly verificationSender: VerificationSender;
  readonly settings: DomainSettings;
  readonly transport: TransportSettings;
  /**
   * True when this process is the only one serving the stores (single-node mode): device lists
   * are then cached in memory and freshly stored envelopes go straight to a local connection
   * instead of being read back. Must be false in cluster mode.
   */
  readonly singleNode: boolean;
  /** How often the expiry purge runs (ms); 0 disables the timer (tests call `purgeExpired`). */
  readonly purgeIntervalMs: number;
  /**
   * Cluster mode: how often every connected device re-reads its mailbox anyway and removed
   * devices' connections are closed (ms), the bound on what a lost bus event can delay; 0 or
   * absent disables it.
   */
  readonly resyncIntervalMs?: number;
  readonly version?: string;
  /** Serve Prometheus metrics at GET /metrics (default true). */
  readonly metrics?: boolean;
  /** This node's name in metrics (default "parley"). */
  readonly nodeName?: string;
  /** Serve HTTPS and WSS only, with this certificate; plain HTTP without it. */
  readonly tls?: TlsSettings;
  /**
   * Abuse defences: rate limits, IP rules, trusted proxies, connection caps and timeouts, socket
   * bounds, audit log. Absent: none of them (tests and embedders that screen traffic themselves).
   */
  readonly security?: SecurityOptions;
  /** Serve the OpenID Connect provider under /oidc with these settings; absent: not served. */
  readonly oidc?: OidcSettings;
}

export interface ParleyServer {
  /** Starts listening; resolves with the base URL (http://host:port, https:// with TLS). */
  listen(): Promise<string>;
  /** The base URL once listening. */
  readonly url: string;
  /** The OpenID Connect provider (its admin operations, keys, issuer); undefined when not served. */
  readonly oidc: OidcHost | undefined;
  /** Runs the expiry purge now. */
  purgeExpired(): Promise<PurgeResult>;
  /** The generated OpenAPI document. */
  openapi(): Promise<unknown>;
  /** Connected device sockets. */
  readonly connectionCount: number;
  /**
   * After the bus may have lost events (a reconnect): every connected device re-reads its
   * mailbox, and connections of devices removed meanwhile close.
   */
  resync(): Promise<void>;
  /**
   * Reads the TLS certificate and key again and uses them for new connections; open connections
   * keep theirs. Resolves false without TLS. Rejects, keeping the current certificate, when the
   * new files cannot be read or do not form a valid pair.
   */
  reloadTls(): Promise<boolean>;
  /**
   * Re-reads the IP rules file (closing sockets of addresses it now refuses) and re-opens the
   * audit log file (after rotation). Rejects, keeping the current rules, when the file is invalid.
   */
  reloadSecurity(): Promise<void>;
  /**
   * Graceful stop: readiness turns false, no new sockets or requests, open sockets close with
   * 1012 (reconnect elsewhere), in-flight requests finish, pending commits complete, stores close.
   */
  close(): Promise<void>;
}

export async function createServer(deps: ServerDeps): Promise<ParleyServer> {
  const { bus, clock, random, logger, settings, transport } = deps;
  const security =
    deps.security && new Security({ onWarning: (error, message) => logger.warn({ err: error }, message), ...deps.security });
  let draining = false;
  // Bound late: the gateway that holds the connections is built after the services.
  const late: { gateway?: WebSocketGateway } = {};
  const metrics = new ServerMetrics({
    connections: () => late.gateway?.connectionCount ?? 0,
    busHealthy: () => bus.healthy(),
    mailboxDepth: () => deps.stores.mailbox.depth(),
    node: deps.nodeName ?? "parley",
  });
  const stores = instrumented(deps.singleNode ? withCachedDeviceLists(deps.stores) : deps.stores, metrics, clock);
  const passkeys = new PasskeyCeremonies(settings.auth.passkeys, settings.auth.challengeTtlMs);
  const factorDeps = { accounts: stores.accounts, factors: stores.factors, passkeys, clock, random, settings: settings.auth };
  const factorCheck = new FactorCheck({ ...factorDeps, verification: stores.verification });
  const services: Services = {
    authenticator: new Authenticator(stores.accounts),
    registration: new RegistrationService({
      accounts: stores.accounts,
      verification: stores.verification,
      sender: deps.verificationSender,
      bus,
      clock,
      random,
      settings,
      factorCheck,
    }),
    accounts: new AccountService(stores.accounts),
    devices: new DeviceService({ accounts: stores.accounts, bus, clock, random, settings, factorCheck }),
    keys: new KeyService({ accounts: stores.accounts, keys: stores.keys, settings }),
    messages: new MessageService({
      accounts: stores.accounts,
      mailbox: stores.mailbox,
      bus,
      clock,
      random,
      settings,
      ...(deps.singleNode ? { localDelivery: { offer: (device, entry) => late.gateway?.offer(device, entry) ?? false } } : {}),
    }),
    provisioning: new ProvisioningService(random),
    factors: new FactorService(factorDeps),
    factorCheck,
    settings,
    oidcSignIns: new SignInApprovals({ store: stores.oidc, clock, random }),
    ready: async () => {
      if (draining || !bus.healthy()) return false;
      await stores.ping();
      return true;
    },
  };
  const trustedProxies = new ClientAddressResolver(deps.security ? CidrList.parse(deps.security.settings.trustedProxies) : CidrList.empty);
  const oidc =
    deps.oidc &&
    new OidcHost({
      store: stores.oidc,
      accounts: stores.accounts,
      approvals: services.oidcSignIns,
      clock,
      logger,
      settings: deps.oidc,
      isTrustedProxy: (peer) => trustedProxies.isTrustedProxy(peer),
      ...(security
        ? { onRefused: (request, endpoint, error) => void security.oauthRefused(security.clientOf(request), endpoint, error).catch(() => undefined) }
        : {}),
    });
  // An address locked out for failed authentications (device credentials or OAuth refusals) is
  // refused at the provider too, so it cannot go on guessing client secrets or codes there.
  const oidcMount = oidc && {
    matches: (path: string) => OidcHost.handles(path),
    handle: async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
      const locked = security && (await security.lockedOut(security.clientOf(request)));
      if (locked) {
        response.writeHead(locked.status, { ...locked.headers, "content-type": "application/json" }).end(JSON.stringify(locked.body));
        return;
      }
      await oidc.handle(request, response);
    },
  };
  const retention = new RetentionService({ mailbox: stores.mailbox, verification: stores.verification, clock, settings });
  const routes = security ? security.guardRoutes(buildRoutes(services)) : buildRoutes(services);
  const plainDispatcher = createDispatcher(services, new BodyValidator(), (error, route) =>
    logger.error({ err: error, route: `${route.method} ${route.url}` }, "request failed"),
  );
  const dispatcher = instrumentedDispatcher(security ? guardedDispatcher(plainDispatcher, security) : plainDispatcher, metrics);
  const tls = deps.tls;
  const hsts = tls && hstsHeaderValue(tls.hstsMaxAgeSeconds);
  const app: FastifyInstance = await createHttpApp({
    routes,
    dispatcher,
    logger,
    maxBodyBytes: transport.maxBodyBytes,
    version: deps.version ?? "0.1.0",
    isDraining: () => draining,
    ...(deps.metrics === false ? {} : { metrics: () => metrics.render() }),
    ...(tls ? { tls: tlsServerOptions(await tls.load()) } : {}),
    ...(hsts ? { hsts } : {}),
    ...(security ? { screen: { clientOf: (request) => security.clientOf(request), refuse: (client) => security.screenRequest(client) } } : {}),
    ...(oidcMount ? { mount: oidcMount } : {}),
  });
  const gateway = new WebSocketGateway({
    authenticator: services.authenticator,
    dispatcher,
    router: new FrameRouter(routes),
    provisioning: services.provisioning,
    bus,
    mailbox: stores.mailbox,
    accounts: stores.accounts,
    random,
    now: () => clock.now(),
    logger,
    maxFrameBytes: transport.maxFrameBytes,
    deliveryWindow: transport.deliveryWindow,
    requestTimeoutMs: transport.requestTimeoutMs,
    pingIntervalMs: transport.pingIntervalMs,
    provisioningTimeoutMs: settings.devices.linkTokenTtlMs,
    ...(security ? { security } : {}),
  });
  gateway.attach(app.server);
  security?.attach(app.server);
  late.gateway = gateway;

  let purgeTimer: NodeJS.Timeout | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let url = "";
  const purge = async () => {
    const result = { ...(await retention.purge()), ...(oidc ? { oidc: await oidc.purge() } : {}) };
    if (result.envelopes > 0 || result.verificationSessions > 0 || (result.oidc ?? 0) > 0) logger.info(result, "expired entries purged");
    return result;
  };

  return {
    async listen() {
      const backlog = security?.connections.listenBacklog;
      url = await app.listen({ host: transport.host, port: transport.port, ...(backlog ? { backlog } : {}) });
      await oidc?.start(url);
      if (deps.purgeIntervalMs > 0) {
        purgeTimer = setInterval(() => {
          purge().catch((error: unknown) => logger.error({ err: error }, "expiry purge failed"));
        }, deps.purgeIntervalMs);
        purgeTimer.unref();
      }
      if (deps.resyncIntervalMs) {
        resyncTimer = setInterval(() => {
          gateway.wakeAll();
          gateway.recheckDevices().catch((error: unknown) => logger.warn({ err: error }, "device recheck failed"));
        }, deps.resyncIntervalMs);
        resyncTimer.unref();
      }
      return url;
    },
    get url() {
      return url;
    },
    oidc,
    get connectionCount() {
      return gateway.connectionCount;
    },
    async resync() {
      gateway.wakeAll();
      await gateway.recheckDevices();
    },
    async reloadTls() {
      if (!tls) return false;
      // A TLS listener: https.Server is a tls.Server. Throws, changing nothing, on a bad pair.
      (app.server as unknown as TlsServer).setSecureContext(secureContextOptions(await tls.load()));
      return true;
    },
    async reloadSecurity() {
      if (!security) return;
      security.audit.reopen();
      await security.reloadRules();
    },
    purgeExpired: purge,
    async openapi() {
      await app.ready();
      return app.swagger();
    },
    async close() {
      draining = true;
      if (purgeTimer) clearInterval(purgeTimer);
      if (resyncTimer) clearInterval(resyncTimer);
      oidc?.close();
      await gateway.close();
      await app.close();
      await bus.close();
      await stores.close();
      await security?.close();
    },
  };
}

function withCachedDeviceLists(stores: Stores): Stores {
  return replacing(stores, { accounts: new CachedAccountStore(stores.accounts) });
}

/** The stores with the mailbox counted and timed for the metrics. */
function instrumented(stores: Stores, metrics: ServerMetrics, clock: Clock): Stores {
  return replacing(stores, { mailbox: new InstrumentedMailboxStore(stores.mailbox, metrics, () => clock.now()) });
}

function replacing(stores: Stores, parts: Partial<Pick<Stores, "accounts" | "mailbox">>): Stores {
  return {
    accounts: parts.accounts ?? stores.accounts,
    keys: stores.keys,
    mailbox: parts.mailbox ?? stores.mailbox,
    verification: stores.verification,
    oidc: stores.oidc,
    factors: stores.factors,
    ping: () => stores.ping(),
    close: () => stores.close(),
  };
}
