import { describeAccountStoreContract } from "./account-store-contract.js";
import { describeKeyStoreContract } from "./key-store-contract.js";
import { describeMailboxStoreContract } from "./mailbox-store-contract.js";
import type { StoresFactory } from "./store-fixtures.js";
import { describeVerificationStoreContract } from "./verification-store-contract.js";

/** Every store contract (accounts with linking, keys, mailbox, verification) against one factory. */
export function describeStoresContract(name: string, factory: StoresFactory): void {
  describeAccountStoreContract(name, factory);
  describeKeyStoreContract(name, factory);
  describeMailboxStoreContract(name, factory);
  describeVerificationStoreContract(name, factory);
}
