// Failed authentications, seen where every HTTP request with credentials passes: each is audited
// and counted, and an address that failed too often is refused (429) before its credentials are
// even checked, until its lockout ends. WebSocket requests arrive authenticated (their
// credentials were checked at the upgrade, which counts failures itself) and pass straight through.
import { accountIdPattern, ErrorCode, type ErrorBody } from "@parley/protocol";
import type { Dispatcher } from "../api/dispatch.js";
import { parseBasicAuthorization } from "../domain/credentials.js";
import type { ClientAddress } from "./client-address.js";
import type { Security } from "./security.js";

const unknownClient: ClientAddress = { ip: "unknown", key: "unknown", address: undefined };

export function guardedDispatcher(inner: Dispatcher, security: Security): Dispatcher {
  return {
    dispatch(route, request) {
      if (route.auth !== "device" || !("header" in request.auth)) return inner.dispatch(route, request);
      const header = request.auth.header;
      return (async () => {
        const client = request.client ?? unknownClient;
        const refused = await security.lockedOut(client);
        if (refused) return { status: refused.status, body: refused.body, headers: refused.headers };
        const result = await inner.dispatch(route, request);
        if (result.status === 401 && (result.body as Partial<ErrorBody> | undefined)?.code === ErrorCode.Unauthorized) {
          await security.authenticationFailed(client, "http", claimedAccount(header));
        }
        return result;
      })();
    },
  };
}

/** The account id a Basic header claims, if it is shaped like one (the password is never read). */
export function claimedAccount(header: string | undefined): string | undefined {
  const account = parseBasicAuthorization(header)?.accountId;
  return account !== undefined && accountIdPattern.test(account) ? account : undefined;
}
