// oidc-provider's configuration for "Sign in with Parley": the authorization code flow with PKCE
// (S256) only, scopes openid, profile and phone, ES256 ID tokens, revocation, discovery and JWKS;
// everything else it can do is off. Clients, artefacts and keys come from the store.
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { Clock } from "../ports/clock.js";
import type { OidcStore } from "../ports/oidc-store.js";
import { clientSecretMatches } from "./client-metadata.js";
import { errorPage } from "./interaction-pages.js";
import type { KeySet } from "./key-ring.js";
import type { OidcSettings } from "./oidc-settings.js";
import type { Provider, ProviderConstructor } from "./provider-types.js";
import { storeAdapterFactory } from "./store-adapter.js";
import type { Subjects } from "./subjects.js";

export interface ProviderParts {
  readonly Provider: ProviderConstructor;
  readonly issuer: string;
  readonly settings: OidcSettings;
  readonly store: OidcStore;
  readonly clock: Clock;
  readonly subjects: Subjects;
  readonly keys: KeySet;
  /** Signs the provider's cookies; the same on every node. */
  readonly cookieKey: string;
  readonly logger: Logger;
  /** Told of every request the provider refuses with an OAuth error (4xx), for lockouts and audit. */
  readonly onRefused?: (request: IncomingMessage, endpoint: string, error: string) => void;
}

/** The provider's events for refused requests, and the endpoint each names. */
const refusalEvents = { "authorization.error": "authorization", "grant.error": "grant", "revocation.error": "revocation", "userinfo.error": "userinfo" } as const;

/** What oidc-provider's renderError is given. */
interface ErrorContext {
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}

export function buildProvider(parts: ProviderParts): Provider {
  const { settings } = parts;
  const seconds = (ms: number) => Math.max(1, Math.floor(ms / 1000));
  const mount = new URL(parts.issuer).pathname.replace(/\/$/, "");
  const provider = new parts.Provider(parts.issuer, {
    adapter: storeAdapterFactory(parts.store, () => parts.clock.now()),
    findAccount: parts.subjects.findAccount,
    pairwiseIdentifier: parts.subjects.pairwiseIdentifier,
    jwks: { keys: parts.keys.keys },
    cookies: { keys: [parts.cookieKey] },
    scopes: ["openid", "profile", "phone"],
    claims: { openid: ["sub"], profile: ["preferred_username"], phone: ["phone_number"] },
    // Every client is pairwise to the provider; subjects.ts decides per client how.
    subjectTypes: ["pairwise"],
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "none"],
    clientDefaults: { grant_types: ["authorization_code"], response_types: ["code"], id_token_signed_response_alg: "ES256", token_endpoint_auth_method: "client_secret_basic" },
    enabledJWA: { idTokenSigningAlgValues: ["ES256"] },
    extraClientMetadata: { properties: ["parley_subject_type"] },
    // Sector identifiers are per client and synthetic (client-metadata.ts): nothing to fetch.
    sectorIdentifierUriValidate: () => false,
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
      introspection: { enabled: false },
      registration: { enabled: false },
      deviceFlow: { enabled: false },
      clientCredentials: { enabled: false },
      // A client revokes only tokens issued to it; anything else is left alone and answered
      // with RFC 7009's empty 200, so a caller learns nothing about other clients' tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId },
      userinfo: { enabled: true },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${mount}/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: seconds(settings.accessTokenTtlMs),
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: seconds(settings.signInTtlMs),
      Session: seconds(settings.sessionTtlMs),
      Grant: seconds(settings.sessionTtlMs),
    },
    renderError: async (ctx: ErrorContext, out: { error?: string }) => {
      const page = errorPage(ctx.status >= 400 ? ctx.status : 400, `The request could not be completed (${out.error ?? "error"}).`);
      for (const [name, value] of Object.entries(page.headers)) ctx.set(name, value);
      ctx.type = "html";
      ctx.body = page.body;
    },
  });
  // Only a hash of each client secret is stored: compare by hashing what the client presents.
  provider.Client.prototype.compareClientSecret = function (this: { clientSecret?: unknown }, actual: string) {
    return clientSecretMatches(this.clientSecret, actual);
  };
  // The host strips forwarding headers that no trusted proxy set (oidc-host.ts).
  provider.proxy = true;
  provider.on("server_error", (_ctx: unknown, error: unknown) => parts.logger.error({ err: error }, "OpenID Connect provider error"));
  const onRefused = parts.onRefused;
  if (onRefused) {
    for (const [event, endpoint] of Object.entries(refusalEvents)) {
      provider.on(event, (ctx: unknown, error: unknown) => {
        const { error: code, status } = error as { error?: unknown; status?: unknown };
        const request = (ctx as { req?: IncomingMessage } | undefined)?.req;
        if (request && typeof code === "string" && (typeof status !== "number" || status < 500)) onRefused(request, endpoint, code);
      });
    }
  }
  return provider;
}
