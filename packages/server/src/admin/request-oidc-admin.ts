// The client side of the admin socket for `parley oidc ...`: asks a running single-node server to
// run an OpenID Connect administration request on its store.
import { requestAdmin } from "./admin-request.js";
import type { OidcAdminRequest } from "./oidc-admin-actions.js";

/** A failure the server reported, with its code when it gave one. */
export class AdminRequestError extends Error {
  override readonly name = "AdminRequestError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Sends `request` to the server running on `databasePath`. Resolves with `{ result }`, or undefined
 * when no server listens there; rejects with an AdminRequestError when it answers with a failure,
 * not at all within `timeoutMs`, or does not serve OpenID Connect.
 */
export async function requestOidcAdmin(databasePath: string, request: OidcAdminRequest, timeoutMs = 30_000): Promise<{ result: unknown } | undefined> {
  let answer: Record<string, unknown> | undefined;
  try {
    answer = await requestAdmin(databasePath, { op: "oidc", request }, timeoutMs);
  } catch (error) {
    throw new AdminRequestError(`the running server did not answer: ${(error as Error).message}`, undefined);
  }
  if (answer === undefined) return undefined;
  if (answer["ok"] === true) return { result: answer["result"] };
  const message = typeof answer["message"] === "string" ? answer["message"] : "the running server refused the request";
  if (message === "unknown operation") throw new AdminRequestError("the running server does not serve OpenID Connect (oidc.enabled is false)", "OIDC_DISABLED");
  throw new AdminRequestError(message, typeof answer["code"] === "string" ? answer["code"] : undefined);
}
