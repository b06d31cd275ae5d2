// Lists of address ranges in CIDR notation, IPv4 and IPv6 alike. A bare address is a range of one
// (/32 or /128). IPv4-mapped IPv6 addresses (::ffff:192.0.2.1, what a dual-stack socket reports
// for an IPv4 peer) are matched as the IPv4 address they carry.
import { ipaddr, type IpAddress, type IPv6Address } from "./ip-address.js";



export interface CidrRange {
  readonly address: IpAddress;
  readonly prefixLength: number;
  /** As written in the configuration, for logs and error messages. */
  readonly text: string;
}

/** Thrown with every entry that does not parse, so a configuration names all its mistakes at once. */
export class CidrListError extends Error {
  override readonly name = "CidrListError";
  constructor(readonly invalid: readonly string[]) {
    super(`not an IP address or CIDR range: ${invalid.map((entry) => `"${entry}"`).join(", ")}`);
  }
}

/** Parses an address as a client reports it; undefined when it is not one. IPv4-mapped become IPv4. */
export function parseAddress(text: string): IpAddress | undefined {
  // IPv4 only in four decimal parts, as sockets report it and proxies write it: the library would
  // also read "10.1", "0x0a.0.0.1" or "010.0.0.1" (octal) as addresses nobody means.
  if (!ipaddr.IPv6.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const address = ipaddr.parse(text);
  if (address.kind() !== "ipv6") return address;
  const v6 = address as IPv6Address;
  // The library reads an IPv4 tail without ffff before it ("::1.2.3.4", IPv4-compatible) as
  // mapped; it is not, and must not be taken for 1.2.3.4.
  if (v6.isIPv4MappedAddress() && text.includes(".") && !/ffff:[0-9.]+(%.*)?$/i.test(text)) {
    return new ipaddr.IPv6([...v6.parts.slice(0, 5), 0, ...v6.parts.slice(6)]);
  }
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** Parses one entry ("192.0.2.0/24", "2001:db8::/32", "198.51.100.7"); undefined when invalid. */
export function parseRange(text: string): CidrRange | undefined {
  const entry = text.trim();
  if (entry.includes("/")) {
    if (!ipaddr.isValidCIDR(entry)) return undefined;
    const [address, prefixLength] = ipaddr.parseCIDR(entry);
    if (address.kind() === "ipv6" && (address as IPv6Address).isIPv4MappedAddress() && prefixLength >= 96) {
      return { address: (address as IPv6Address).toIPv4Address(), prefixLength: prefixLength - 96, text: entry };
    }
    return { address, prefixLength, text: entry };
  }
  const address = parseAddress(entry);
  if (address === undefined) return undefined;
  return { address, prefixLength: address.kind() === "ipv4" ? 32 : 128, text: entry };
}

export class CidrList {
  static readonly empty = new CidrList([]);

  constructor(readonly ranges: readonly CidrRange[]) {}

  /** Entries separated by commas, whitespace or newlines; throws CidrListError naming every bad one. */
  static parse(text: string): CidrList {
    const entries = text.split(/[\s,]+/).filter((entry) => entry !== "");
    const ranges: CidrRange[] = [];
    const invalid: string[] = [];
    for (const entry of entries) {
      const range = parseRange(entry);
      if (range) ranges.push(range);
      else invalid.push(entry);
    }
    if (invalid.length > 0) throw new CidrListError(invalid);
    return new CidrList(ranges);
  }

  get size(): number {
    return this.ranges.length;
  }

  contains(address: IpAddress): boolean {
    return this.longestMatch(address) >= 0;
  }

  /** The prefix length of the most specific range holding `address`, or -1 when none does. */
  longestMatch(address: IpAddress): number {
    let best = -1;
    for (const range of this.ranges) {
      if (range.prefixLength > best && range.address.kind() === address.kind() && address.match(range.address, range.prefixLength)) {
        best = range.prefixLength;
      }
    }
    return best;
  }

  concat(other: CidrList): CidrList {
    return other.size === 0 ? this : this.size === 0 ? other : new CidrList([...this.ranges, ...other.ranges]);
  }
}
