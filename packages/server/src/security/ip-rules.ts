// Allow and deny lists of address ranges. The most specific range that holds an address decides
// (so "deny 10.0.0.0/8" with "allow 10.1.2.3" lets that one host in, and "allow 10.0.0.0/8" with
// "deny 10.6.0.0/16" keeps that subnet out); on a tie the deny wins. An address no range holds is
// allowed while the allow list is empty, and refused once it names anything: then only the listed
// ranges may connect.
import type { IpAddress } from "./ip-address.js";
import { CidrList, CidrListError } from "./cidr-list.js";

export class IpRules {
  static readonly none = new IpRules(CidrList.empty, CidrList.empty);

  constructor(
    readonly allow: CidrList,
    readonly deny: CidrList,
  ) {}

  get empty(): boolean {
    return this.allow.size === 0 && this.deny.size === 0;
  }

  /** Whether a client at `address` may connect; an unknown address only while nothing is allow-listed. */
  allows(address: IpAddress | undefined): boolean {
    if (this.empty) return true;
    if (address === undefined) return this.allow.size === 0;
    const allowed = this.allow.longestMatch(address);
    const denied = this.deny.longestMatch(address);
    if (allowed < 0 && denied < 0) return this.allow.size === 0;
    return allowed > denied;
  }

  /** Both lists of `this` followed by those of `other`. */
  concat(other: IpRules): IpRules {
    return other.empty ? this : new IpRules(this.allow.concat(other.allow), this.deny.concat(other.deny));
  }
}

export class IpRulesFileError extends Error {
  override readonly name = "IpRulesFileError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid IP rules: ${problems.join("; ")}`);
  }
}

/**
 * Parses a rules file: one rule a line, `allow <ranges>` or `deny <ranges>`, ranges separated by
 * commas or spaces; `#` starts a comment. Throws IpRulesFileError naming every bad line.
 */
export function parseIpRules(text: string): IpRules {
  const allow: CidrList[] = [];
  const deny: CidrList[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    const match = /^(allow|deny)\s+(.+)$/i.exec(line);
    if (!match) return void problems.push(`line ${index + 1}: expected "allow <ranges>" or "deny <ranges>"`);
    try {
      (match[1]!.toLowerCase() === "allow" ? allow : deny).push(CidrList.parse(match[2]!));
    } catch (error) {
      if (!(error instanceof CidrListError)) throw error;
      problems.push(`line ${index + 1}: ${error.message}`);
    }
  });
  if (problems.length > 0) throw new IpRulesFileError(problems);
  return new IpRules(allow.reduce((all, list) => all.concat(list), CidrList.empty), deny.reduce((all, list) => all.concat(list), CidrList.empty));
}
