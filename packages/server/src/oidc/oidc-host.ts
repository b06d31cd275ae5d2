// Serves the OpenID Connect provider under /oidc of the Parley HTTP server. The provider is built
// once the server listens (the default issuer names the listening URL), from the signing keys in
// the store; every keyRefreshMs the keys are re-read and, when another node (or the admin
// command) changed them, the provider is rebuilt. Everything else it needs is in the store, so
// swapping instances loses nothing.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AccountStore } from "../ports/account-store.js";
import type { Clock } from "../ports/clock.js";
import type { OidcStore } from "../ports/oidc-store.js";
import { handleInteraction, isInteractionPath } from "./interaction-handler.js";
import { KeyRing } from "./key-ring.js";
import { OidcAdmin } from "./oidc-admin.js";
import { OIDC_MOUNT, type OidcSettings } from "./oidc-settings.js";
import { buildProvider } from "./provider-config.js";
import { loadProvider, type Provider, type ProviderConstructor } from "./provider-types.js";
import type { SignInApprovals } from "./sign-in-approvals.js";
import { Subjects } from "./subjects.js";

export interface OidcHostDeps {
  readonly store: OidcStore;
  readonly accounts: AccountStore;
  readonly approvals: SignInApprovals;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: OidcSettings;
  /** Whether a socket peer is a trusted proxy, whose X-Forwarded-* headers are believed. */
  readonly isTrustedProxy: (peer: string | undefined) => boolean;
  /** Told of every request the provider refuses with an OAuth error (provider-config.ts). */
  readonly onRefused?: (request: IncomingMessage, endpoint: string, error: string) => void;
}

interface Built {
  readonly provider: Provider;
  readonly callback: (req: IncomingMessage, res: ServerResponse) => void;
  readonly fingerprint: string;
}

export class OidcHost {
  readonly keys: KeyRing;
  readonly admin: OidcAdmin;
  #built: Built | undefined;
  #parts: { Provider: ProviderConstructor; issuer: string; subjects: Subjects; cookieKey: string } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(private readonly deps: OidcHostDeps) {
    this.keys = new KeyRing(deps.store, deps.clock, deps.settings.keyRetentionMs);
    this.admin = new OidcAdmin({
      store: deps.store,
      keys: this.keys,
      clock: deps.clock,
      validate: async (metadata) => {
        if (this.#built) await this.#built.provider.Client.validate(metadata);
      },
      onKeysChanged: () => this.refreshKeys(),
    });
  }

  /** The issuer, once started. */
  get issuer(): string | undefined {
    return this.#parts?.issuer;
  }

  /** Builds the provider for a server listening at `listeningUrl`, and starts re-reading the keys. */
  async start(listeningUrl: string): Promise<void> {
    const { store, settings } = this.deps;
    const issuer = (settings.issuer || `${listeningUrl}${OIDC_MOUNT}`).replace(/\/$/, "");
    if (new URL(issuer).pathname !== OIDC_MOUNT) throw new Error(`oidc.issuer must end in ${OIDC_MOUNT} (the provider is served there): ${issuer}`);
    const [Provider, cookieSecret, subjectSecret] = await Promise.all([
      loadProvider(),
      store.ensureSecret("cookies", randomBytes(32)),
      store.ensureSecret("subjects", randomBytes(32)),
    ]);
    await this.keys.ensureKey();
    this.#parts = { Provider, issuer, subjects: new Subjects(this.deps.accounts, subjectSecret), cookieKey: Buffer.from(cookieSecret).toString("base64url") };
    await this.refreshKeys();
    if (settings.keyRefreshMs > 0) {
      this.#timer = setInterval(() => {
        this.refreshKeys().catch((error: unknown) => this.deps.logger.warn({ err: error }, "re-reading the OpenID Connect signing keys failed"));
      }, settings.keyRefreshMs);
      this.#timer.unref();
    }
  }

  /** Re-reads the signing keys; rebuilds the provider when they changed. */
  refreshKeys(): Promise<void> {
    // One refresh at a time; a caller arriving meanwhile waits for a fresh one.
    const run = async () => {
      const parts = this.#parts;
      if (parts === undefined) return;
      const keys = await this.keys.load();
      if (keys.fingerprint === this.#built?.fingerprint) return;
      const provider = buildProvider({ ...parts, settings: this.deps.settings, store: this.deps.store, clock: this.deps.clock, keys, logger: this.deps.logger, ...(this.deps.onRefused ? { onRefused: this.deps.onRefused } : {}) });
      this.#built = { provider, callback: provider.callback(), fingerprint: keys.fingerprint };
      this.deps.logger.info({ keys: keys.keys.length }, "OpenID Connect signing keys loaded");
    };
    const next = (this.#refreshing ?? Promise.resolve()).catch(() => undefined).then(run);
    this.#refreshing = next;
    return next;
  }

  /** Deletes expired artefacts and sign-ins, and keys past their retention; returns how many rows. */
  async purge(): Promise<number> {
    return (await this.deps.store.deleteExpired(this.deps.clock.now())) + (await this.keys.purge());
  }

  /** Whether `path` is served here. */
  static handles(path: string): boolean {
    return path === OIDC_MOUNT || path.startsWith(`${OIDC_MOUNT}/`) || path.startsWith(`${OIDC_MOUNT}?`);
  }

  /** Serves one request for a path under /oidc; the body is still unread. Never rejects. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.#handle(req, res);
    } catch (error) {
      this.deps.logger.error({ err: error }, "OpenID Connect request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ code: "INTERNAL", message: "internal error" }));
      else res.destroy();
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const built = this.#built;
    if (built === undefined) {
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end(JSON.stringify({ code: "UNAVAILABLE", message: "the OpenID Connect provider is starting" }));
      return;
    }
    if (!this.deps.isTrustedProxy(req.socket.remoteAddress)) {
      for (const name of Object.keys(req.headers)) if (name.startsWith("x-forwarded-")) delete req.headers[name];
    }
    // oidc-provider routes on the path below the mount and finds the mount in originalUrl.
    const original = req.url ?? OIDC_MOUNT;
    const below = original.slice(OIDC_MOUNT.length);
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
    req.url = below.startsWith("/") ? below : `/${below}`;
    if (isInteractionPath(req.url)) {
      await handleInteraction(built.provider, OIDC_MOUNT, req, res, { store: this.deps.store, approvals: this.deps.approvals, logger: this.deps.logger });
      return;
    }
    await new Promise<void>((resolve) => {
      res.once("close", resolve);
      built.callback(req, res);
    });
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
