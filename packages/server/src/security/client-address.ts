// Who a request comes from. The direct peer of the TCP connection, unless that peer is a trusted
// proxy: then X-Forwarded-For is read from the right, skipping trusted proxies, and the first
// address not among them is the client. A client can write anything into the header, so only the
// hops our own proxies appended are believed; from any other peer the header is ignored.
import type { IpAddress, IPv6Address } from "./ip-address.js";
import { CidrList, parseAddress } from "./cidr-list.js";



export interface ClientAddress {
  /** The address in canonical form ("192.0.2.1", "2001:db8::1"), or "unknown". */
  readonly ip: string;
  /**
   * The key rate limits and caps count under: the address for IPv4, its /64 network for IPv6
   * (one subscriber usually holds a whole /64, and would otherwise get 2^64 separate budgets).
   */
  readonly key: string;
  /** The parsed address; undefined when the peer's address was not known. */
  readonly address: IpAddress | undefined;
}

const unknown: ClientAddress = { ip: "unknown", key: "unknown", address: undefined };

export function clientAddressOf(address: IpAddress): ClientAddress {
  if (address.kind() === "ipv4") {
    const ip = address.toString();
    return { ip, key: ip, address };
  }
  const parts = (address as IPv6Address).parts;
  const network = parts.slice(0, 4).map((part) => part.toString(16)).join(":");
  return { ip: address.toString(), key: `${network}::/64`, address };
}

export class ClientAddressResolver {
  constructor(private readonly trustedProxies: CidrList = CidrList.empty) {}

  /** Whether `peer` (a socket's remote address) is one of the trusted proxies. */
  isTrustedProxy(peer: string | undefined): boolean {
    if (this.trustedProxies.size === 0 || peer === undefined) return false;
    const address = parseAddress(peer);
    return address !== undefined && this.trustedProxies.contains(address);
  }

  /** The client behind a connection from `peer` that carried `forwardedFor` (X-Forwarded-For). */
  resolve(peer: string | undefined, forwardedFor: string | readonly string[] | undefined): ClientAddress {
    const direct = peer === undefined ? undefined : parseAddress(peer);
    if (direct === undefined) return unknown;
    if (forwardedFor === undefined || this.trustedProxies.size === 0 || !this.trustedProxies.contains(direct)) return clientAddressOf(direct);
    const hops = (typeof forwardedFor === "string" ? forwardedFor : forwardedFor.join(",")).split(",");
    let client = direct;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseHop(hops[i]!);
      // Garbage in the header: the last proxy we trust handed it over, so it is the client.
      if (hop === undefined) break;
      client = hop;
      if (!this.trustedProxies.contains(hop)) break;
    }
    return clientAddressOf(client);
  }
}

/** One X-Forwarded-For entry: an address, possibly with a port ("192.0.2.1:4711", "[2001:db8::1]:4711"). */
function parseHop(text: string): IpAddress | undefined {
  const entry = text.trim();
  if (entry.startsWith("[")) {
    const end = entry.indexOf("]");
    return end < 0 ? undefined : parseAddress(entry.slice(1, end));
  }
  const colon = entry.indexOf(":");
  if (colon >= 0 && colon === entry.lastIndexOf(":")) return parseAddress(entry.slice(0, colon));
  return parseAddress(entry);
}
