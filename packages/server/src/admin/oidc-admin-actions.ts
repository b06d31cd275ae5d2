// The OpenID Connect administration as requests: what `parley oidc ...` sends over the admin
// socket to a running server, or runs directly on the store when no server holds it. Requests
// are checked here, since over the socket they arrive as untrusted JSON.
import type { OidcAdmin } from "../oidc/oidc-admin.js";
import { OidcAdminError } from "../oidc/oidc-admin.js";

export type OidcAdminRequest =
  | { readonly action: "clients.add"; readonly name: string; readonly redirectUris: readonly string[]; readonly public: boolean; readonly subjectType: "pairwise" | "public" }
  | { readonly action: "clients.list" }
  | { readonly action: "clients.remove"; readonly clientId: string }
  | { readonly action: "keys.rotate" }
  | { readonly action: "keys.list" };

/** `value` as an OidcAdminRequest; throws OIDC_INVALID_REQUEST-coded errors otherwise. */
export function parseOidcAdminRequest(value: unknown): OidcAdminRequest {
  const request = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const invalid = (message: string) => new OidcAdminError("OIDC_INVALID_CLIENT", message);
  switch (request["action"]) {
    case "clients.add": {
      const { name, redirectUris, subjectType } = request;
      if (typeof name !== "string") throw invalid("name must be a string");
      if (!Array.isArray(redirectUris) || !redirectUris.every((uri) => typeof uri === "string")) throw invalid("redirectUris must be strings");
      if (subjectType !== "pairwise" && subjectType !== "public") throw invalid("subject must be pairwise or public");
      return { action: "clients.add", name, redirectUris: redirectUris as string[], public: request["public"] === true, subjectType };
    }
    case "clients.remove":
      if (typeof request["clientId"] !== "string") throw invalid("clientId must be a string");
      return { action: "clients.remove", clientId: request["clientId"] };
    case "clients.list":
    case "keys.rotate":
    case "keys.list":
      return { action: request["action"] };
    default:
      throw invalid("unknown OpenID Connect action");
  }
}

/** Runs `request`; resolves with its JSON-able result. */
export async function runOidcAdminRequest(admin: OidcAdmin, request: OidcAdminRequest): Promise<unknown> {
  switch (request.action) {
    case "clients.add":
      return admin.addClient(request);
    case "clients.list":
      return admin.listClients();
    case "clients.remove":
      await admin.removeClient(request.clientId);
      return { removed: request.clientId };
    case "keys.rotate":
      return { kid: await admin.rotateKeys() };
    case "keys.list":
      return admin.listKeys();
  }
}
