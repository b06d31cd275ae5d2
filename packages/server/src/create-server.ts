// Builds a Parley server from injected parts, so tests and embedders choose the adapters; only
// main.ts names concrete ones. Nothing listens until `listen` is called.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createDispatcher } from "./api/dispatch.js";
import { buildRoutes } from "./api/routes.js";
import type { Services } from "./api/services.js";
import { BodyValidator } from "./api/validation.js";
import { AccountService } from "./domain/account-service.js";
import { Authenticator } from "./domain/authenticator.js";
import { DeviceService } from "./domain/device-service.js";
import { KeyService } from "./domain/key-service.js";
import { MessageService } from "./domain/message-service.js";
import { ProvisioningService } from "./domain/provisioning-service.js";
import { RegistrationService } from "./domain/registration-service.js";
import { RetentionService, type PurgeResult } from "./domain/retention-service.js";
import type { DomainSettings } from "./domain/settings.js";
import { createHttpApp } from "./http/http-app.js";
import type { Bus } from "./ports/bus.js";
import type { Clock } from "./ports/clock.js";
import type { Random } from "./ports/random.js";
import type { Stores } from "./ports/stores.js";
import type { VerificationSender } from "./ports/verification-sender.js";
import { CachedAccountStore } from "./adapters/cache/cached-account-store.js";
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
  readonly version?: string;
}

export interface ParleyServer {
  /** Starts listening; resolves with the base URL (http://host:port). */
  listen(): Promise<string>;
  /** The base URL once listening. */
  readonly url: string;
  /** Runs the expiry purge now. */
  purgeExpired(): Promise<PurgeResult>;
  /** The generated OpenAPI document. */
  openapi(): Promise<unknown>;
  /** Connected device sockets. */
  readonly connectionCount: number;
  /**
   * Graceful stop: readiness turns false, no new sockets or requests, open sockets close with
   * 1012 (reconnect elsewhere), in-flight requests finish, pending commits complete, stores close.
   */
  close(): Promise<void>;
}

export async function createServer(deps: ServerDeps): Promise<ParleyServer> {
  const { bus, clock, random, logger, settings, transport } = deps;
  const stores: Stores = deps.singleNode ? withCachedDeviceLists(deps.stores) : deps.stores;
  let draining = false;
  // Bound late: the gateway that holds the connections is built after the services.
  const late: { gateway?: WebSocketGateway } = {};
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
    }),
    accounts: new AccountService(stores.accounts),
    devices: new DeviceService({ accounts: stores.accounts, bus, clock, random, settings }),
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
    settings,
    ready: async () => {
      if (draining) return false;
      await stores.ping();
      return true;
    },
  };
  const retention = new RetentionService({ mailbox: stores.mailbox, verification: stores.verification, clock, settings });
  const routes = buildRoutes(services);
  const dispatcher = createDispatcher(services, new BodyValidator(), (error, route) =>
    logger.error({ err: error, route: `${route.method} ${route.url}` }, "request failed"),
  );
  const app: FastifyInstance = await createHttpApp({
    routes,
    dispatcher,
    logger,
    maxBodyBytes: transport.maxBodyBytes,
    version: deps.version ?? "0.1.0",
    isDraining: () => draining,
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
  });
  gateway.attach(app.server);
  late.gateway = gateway;

  let purgeTimer: NodeJS.Timeout | undefined;
  let url = "";
  const purge = async () => {
    const result = await retention.purge();
    if (result.envelopes > 0 || result.verificationSessions > 0) logger.info(result, "expired entries purged");
    return result;
  };

  return {
    async listen() {
      url = await app.listen({ host: transport.host, port: transport.port });
      if (deps.purgeIntervalMs > 0) {
        purgeTimer = setInterval(() => {
          purge().catch((error: unknown) => logger.error({ err: error }, "expiry purge failed"));
        }, deps.purgeIntervalMs);
        purgeTimer.unref();
      }
      return url;
    },
    get url() {
      return url;
    },
    get connectionCount() {
      return gateway.connectionCount;
    },
    purgeExpired: purge,
    async openapi() {
      await app.ready();
      return app.swagger();
    },
    async close() {
      draining = true;
      if (purgeTimer) clearInterval(purgeTimer);
      await gateway.close();
      await app.close();
      await bus.close();
      await stores.close();
    },
  };
}

function withCachedDeviceLists(stores: Stores): Stores {
  const accounts = new CachedAccountStore(stores.accounts);
  return {
    accounts,
    keys: stores.keys,
    mailbox: stores.mailbox,
    verification: stores.verification,
    ping: () => stores.ping(),
    close: () => stores.close(),
  };
}
