import type { Account, DirectoryEntry, Identifier } from "@parley/protocol";
import type { AccountStore } from "../ports/account-store.js";
import { ApiError, ErrorCode } from "./api-error.js";
import type { DeviceAuth } from "./authenticator.js";
import { canonicalIdentifier } from "./identifiers.js";

/** Reading accounts: one's own, and the account behind a phone number or username. */
export class AccountService {
  constructor(private readonly accounts: AccountStore) {}

  async whoAmI(auth: DeviceAuth): Promise<Account> {
    const account = await this.accounts.findAccount(auth.accountId);
    if (!account) throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
    return {
      accountId: account.id,
      deviceId: auth.deviceId,
      identifier: { kind: account.identifierKind, value: account.identifier },
    };
  }

  async lookup(identifier: Identifier): Promise<DirectoryEntry> {
    const { kind, value } = canonicalIdentifier(identifier);
    const account = await this.accounts.findAccountByIdentifier(kind, value);
    if (!account) throw new ApiError(ErrorCode.AccountNotFound, "no account has this identifier");
    return { accountId: account.id };
  }
}
