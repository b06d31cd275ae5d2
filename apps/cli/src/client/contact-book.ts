// How commands name people. A contact argument is `@name` (a username), `+digits` (a phone
// number), a bare account id (UUID), or otherwise the name of a saved contact. Usernames and
// phone numbers are first matched against saved contacts, so a known contact resolves without
// the network; an unknown one is looked up in the server's directory and saved.
import { accountIdPattern, normalizeUsername, type Identifier } from "@parley/protocol";
import { ApiRequestError, type ContactRecord, type ParleyClient } from "@parley/sdk";
import { CliError, CliErrorCode } from "./cli-error.js";

/** `@name` or `+digits` as an identifier; undefined for anything else. */
export function parseIdentifier(text: string): Identifier | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith("@")) return { kind: "username", value: trimmed.slice(1) };
  if (trimmed.startsWith("+")) return { kind: "phone", value: phoneNumber(trimmed) };
  return undefined;
}

/** People write numbers with spaces, dashes, dots and brackets; E.164 has none of them. */
export function phoneNumber(text: string): string {
  return text.trim().replace(/[\s().-]/g, "");
}

export function formatIdentifier(identifier: Identifier): string {
  return identifier.kind === "username" ? `@${identifier.value}` : identifier.value;
}

function sameIdentifier(a: Identifier, b: Identifier): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "username") return (normalizeUsername(a.value) ?? a.value) === (normalizeUsername(b.value) ?? b.value);
  return phoneNumber(a.value) === phoneNumber(b.value);
}

export class ContactBook {
  #contacts: ContactRecord[];

  private constructor(
    private readonly client: ParleyClient,
    contacts: ContactRecord[],
  ) {
    this.#contacts = contacts;
  }

  static async load(client: ParleyClient): Promise<ContactBook> {
    return new ContactBook(client, await client.contacts());
  }

  /** Saved contacts other than this account itself. */
  get contacts(): readonly ContactRecord[] {
    return this.#contacts.filter((c) => c.accountId !== this.client.accountId);
  }

  /** The account id `text` names; looks it up in the directory (and saves it) when it is new. */
  async resolve(text: string): Promise<string> {
    const identifier = parseIdentifier(text);
    if (identifier) {
      const own = this.client.identifier;
      if (own && sameIdentifier(own, identifier)) return this.client.accountId;
      const known = this.#contacts.find((c) => c.identifier && sameIdentifier(c.identifier, identifier));
      if (known) return known.accountId;
      return this.lookup(identifier);
    }
    const trimmed = text.trim();
    if (accountIdPattern.test(trimmed.toLowerCase())) return trimmed.toLowerCase();
    const named = this.#contacts.filter((c) => c.name !== undefined && c.name.toLowerCase() === trimmed.toLowerCase());
    if (named.length === 1) return named[0]!.accountId;
    if (named.length > 1) throw new CliError(CliErrorCode.ContactUnknown, `several contacts are named ${trimmed}: use @username, +phone or the account id`);
    throw new CliError(CliErrorCode.ContactUnknown, `no contact named ${trimmed}: use @username or +phone number, or save one with \`parley contacts add\``);
  }

  /** Looks `identifier` up in the directory and saves the account as a contact (named `name`). */
  async lookup(identifier: Identifier, name?: string): Promise<string> {
    let accountId: string;
    try {
      accountId = await this.client.lookup(identifier, name);
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 404) {
        throw new CliError(CliErrorCode.ContactUnknown, `nobody is registered as ${formatIdentifier(identifier)}`, { cause: error });
      }
      throw error;
    }
    this.#contacts = await this.client.contacts();
    return accountId;
  }

  /** How to show an account: "you", the contact's name, @username or phone number, else its id. */
  name(accountId: string): string {
    if (accountId === this.client.accountId) return "you";
    const contact = this.#contacts.find((c) => c.accountId === accountId);
    if (contact?.name) return contact.name;
    if (contact?.identifier) return formatIdentifier(contact.identifier);
    return accountId;
  }
}
