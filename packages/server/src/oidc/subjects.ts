// Who the user is, as a client sees them. The subject is never the account id (nor the phone
// number): it is an HMAC under a server secret, of the client id and the account id by default
// (pairwise: two clients cannot correlate their users), or of the account id alone for clients
// registered with `--subject public` (one subject across those clients).
import { createHmac } from "node:crypto";
import type { AccountStore } from "../ports/account-store.js";
import type { ProviderClient } from "./provider-types.js";

/** What oidc-provider's findAccount returns. */
export interface ProviderAccount {
  readonly accountId: string;
  claims(): Promise<Record<string, unknown>>;
}

export class Subjects {
  constructor(
    private readonly accounts: AccountStore,
    private readonly secret: Uint8Array,
  ) {}

  /**
   * The account's claims: the username (profile scope) only for username accounts, the phone
   * number (phone scope) only for phone accounts. oidc-provider passes on only what the granted
   * scopes cover, and replaces `sub` with pairwiseIdentifier's value.
   */
  readonly findAccount = async (_ctx: unknown, accountId: string): Promise<ProviderAccount | undefined> => {
    const account = await this.accounts.findAccount(accountId);
    if (account === undefined) return undefined;
    return {
      accountId,
      claims: async () => ({
        sub: accountId,
        ...(account.identifierKind === "username" ? { preferred_username: account.identifier } : {}),
        ...(account.identifierKind === "phone" ? { phone_number: account.identifier } : {}),
      }),
    };
  };

  readonly pairwiseIdentifier = async (_ctx: unknown, accountId: string, client: ProviderClient): Promise<string> => {
    const scope = client["parley_subject_type"] === "public" ? "account" : `client:${client.clientId}`;
    return createHmac("sha256", this.secret).update(`${scope}\u0000${accountId}`).digest("base64url");
  };
}
