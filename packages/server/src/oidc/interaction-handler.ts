// The interaction pages under /oidc/interaction/:uid: the login step (wait for a device's
// approval) and the consent step. Every request must carry oidc-provider's interaction cookie
// for that uid (SameSite=Lax, scoped to the path), so another site can neither read the status
// nor post the forms; posts whose Origin is not the issuer's are refused as well.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { OidcStore } from "../ports/oidc-store.js";
import { answeredPage, consentPage, errorPage, loginPage, type Page } from "./interaction-pages.js";
import type { InteractionDetails, Provider } from "./provider-types.js";
import type { SignInApprovals } from "./sign-in-approvals.js";

const MAX_FORM_BYTES = 4096;
const PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(status|login|consent))?$/;

export interface InteractionDeps {
  readonly store: OidcStore;
  readonly approvals: SignInApprovals;
  readonly logger: Logger;
}

/** Whether `path` (below the mount) is one of these pages. */
export function isInteractionPath(path: string): boolean {
  return path.startsWith("/interaction/");
}

export async function handleInteraction(provider: Provider, mount: string, req: IncomingMessage, res: ServerResponse, deps: InteractionDeps): Promise<void> {
  const path = (req.url ?? "").split("?")[0] ?? "";
  const match = PATH.exec(path);
  const uid = match?.[1];
  const step = match?.[2] ?? "page";
  const method = req.method ?? "GET";
  if (uid === undefined || (step === "page" || step === "status" ? method !== "GET" : method !== "POST")) {
    return send(res, errorPage(404, "There is no such page."));
  }
  if (method === "POST" && !sameOrigin(req, provider.issuer)) return send(res, errorPage(403, "This form must be sent from the sign-in page."));
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return send(res, step === "status" ? json(404, { state: "expired" }) : errorPage(400, "This sign-in has expired or has already finished."));
  }
  if (details.uid !== uid) return send(res, errorPage(400, "This sign-in does not belong to this browser."));
  const base = `${mount}/interaction/${uid}`;
  try {
    switch (step) {
      case "status":
        return send(res, json(200, { state: await deps.approvals.status(uid) }));
      case "login":
        return await finishLogin(provider, req, res, deps, details, base);
      case "consent":
        return await finishConsent(provider, req, res, details);
      default:
        return send(res, await render(details, deps, base));
    }
  } catch (error) {
    deps.logger.error({ err: error }, "OpenID Connect interaction failed");
    if (!res.headersSent) send(res, errorPage(500, "Something went wrong."));
  }
}

async function render(details: InteractionDetails, deps: InteractionDeps, base: string): Promise<Page> {
  const clientId = String(details.params["client_id"] ?? "");
  const client = await deps.store.findClient(clientId);
  if (client === undefined) return errorPage(400, "The application is no longer registered.");
  const scopes = String(details.params["scope"] ?? "").split(" ").filter((scope) => scope !== "");
  if (details.prompt.name === "login") {
    const state = await deps.approvals.status(details.uid);
    if (state === "approved" || state === "denied") return answeredPage(`${base}/login`);
    // A reload shows a new code; the one shown before stops working.
    const expiresAt = details.exp * 1000;
    const code = await deps.approvals.start({ interactionUid: details.uid, clientId, clientName: client.name, scopes, expiresAt });
    return loginPage({ clientName: client.name, code, statusUrl: `${base}/status`, continueUrl: `${base}/login`, expiresAt });
  }
  if (details.prompt.name === "consent") return consentPage({ clientName: client.name, scopes, action: `${base}/consent` });
  return errorPage(400, "This sign-in cannot continue.");
}

async function finishLogin(provider: Provider, req: IncomingMessage, res: ServerResponse, deps: InteractionDeps, details: InteractionDetails, base: string): Promise<void> {
  if (details.prompt.name !== "login") return redirect(res, base);
  const outcome = await deps.approvals.outcome(details.uid);
  switch (outcome.kind) {
    case "approved":
      return provider.interactionFinished(req, res, { login: { accountId: outcome.accountId } }, { mergeWithLastSubmission: false });
    case "denied":
      return provider.interactionFinished(req, res, { error: "access_denied", error_description: "the sign-in was denied on a device" }, { mergeWithLastSubmission: false });
    case "expired":
      return provider.interactionFinished(req, res, { error: "login_required", error_description: "the sign-in code expired" }, { mergeWithLastSubmission: false });
    default:
      // Still waiting: back to the page (which shows a fresh code only if the old one is gone).
      return redirect(res, base);
  }
}

async function finishConsent(provider: Provider, req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
  const form = await readForm(req);
  if (details.prompt.name !== "consent" || form === undefined) return send(res, errorPage(400, "This form cannot be used now."));
  if (form.get("decision") !== "allow") {
    return provider.interactionFinished(req, res, { error: "access_denied", error_description: "the user denied access" }, { mergeWithLastSubmission: false });
  }
  const accountId = details.session?.accountId;
  const clientId = String(details.params["client_id"] ?? "");
  if (accountId === undefined) return send(res, errorPage(400, "This sign-in has no signed-in account."));
  const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details["missingOIDCScope"];
  const requested = Array.isArray(missing) ? missing.map(String) : [];
  // The phone number goes only with the box ticked; unticked, the scope is recorded as refused
  // so that the provider does not ask again.
  const shared = requested.filter((scope) => scope !== "phone" || form.get("share_phone") === "yes");
  if (shared.length > 0) grant.addOIDCScope(shared.join(" "));
  if (requested.includes("phone") && !shared.includes("phone")) grant.rejectOIDCScope("phone");
  const claims = details.prompt.details["missingOIDCClaims"];
  if (Array.isArray(claims)) grant.addOIDCClaims(claims.map(String).filter((claim) => claim !== "phone_number" || shared.includes("phone")));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
}

function sameOrigin(req: IncomingMessage, issuer: string): boolean {
  const origin = req.headers.origin;
  // Browsers send Origin with every form post; a missing one is a non-browser client, which the
  // interaction cookie already binds.
  return origin === undefined || origin === new URL(issuer).origin;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return Promise.resolve(undefined);
  // An oversized body is refused at once but still read to its end and discarded: a request left
  // unread stops the connection's reading, and the next request on that keep-alive connection
  // would never be answered.
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) resolve(undefined);
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_FORM_BYTES ? undefined : new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("close", () => resolve(undefined));
  });
}

function json(status: number, body: unknown): Page {
  return { status, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(body) };
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, "content-length": "0", "cache-control": "no-store" }).end();
}

function send(res: ServerResponse, page: Page): void {
  res.writeHead(page.status, { ...page.headers, "content-length": Buffer.byteLength(page.body) }).end(page.body);
}
