// The client a request should be judged as, and whether the IP rules let it in, worked out from
// the documented rules with a parser of its own (not the server's code or its address library),
// so that the defended fuzz target can check the server against it.
//
// Whose address counts (packages/server/src/security/client-address.ts):
// - from a peer that is not a trusted proxy, X-Forwarded-For is ignored: the peer is the client;
// - from a trusted proxy, the header's entries (all its lines, joined with commas) are read from
//   the right. A trusted entry is skipped; the first untrusted one is the client. So the server
//   takes the rightmost untrusted entry, never the leftmost: whatever stands left of it the client
//   wrote itself, and it proves nothing. An entry that is no address stops the walk, and the last
//   trusted hop read (the peer when none was) is the client: that hop handed the garbage over.
//   When every entry is trusted, the leftmost is the client.
// An entry is an address, "a.b.c.d:port", "[v6]" or "[v6]:port", blanks around it allowed; the
// port is not read.
// Addresses are read as proxies write them: IPv4 in four decimal parts without leading zeros;
// IPv6 in RFC 4291 text, with an IPv4 tail or a zone ("%eth0", which no rule looks at). An
// IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address it carries, in rules as in headers.

export interface Ip {
  readonly kind: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: readonly number[];
}

export interface IpRange {
  readonly ip: Ip;
  readonly prefix: number;
}

/** An IPv4 address in four decimal parts, each 0-255 without a leading zero. */
function parseV4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

/** 16 bytes of an IPv6 address without zone, or undefined. */
function parseV6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const bytes = (list: string[], last: boolean): number[] | undefined => {
    const out: number[] = [];
    for (const [i, group] of list.entries()) {
      if (last && i === list.length - 1 && group.includes(".")) {
        const v4 = parseV4(group);
        if (!v4) return undefined;
        out.push(...v4);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
        const n = parseInt(group, 16);
        out.push(n >> 8, n & 0xff);
      } else {
        return undefined;
      }
    }
    return out;
  };
  const front = bytes(head, halves.length === 1);
  const back = bytes(tail, true);
  if (!front || !back) return undefined;
  if (halves.length === 1) return front.length === 16 ? front : undefined;
  // "::" stands for at least one zero group.
  if (front.length + back.length > 14) return undefined;
  return [...front, ...new Array<number>(16 - front.length - back.length).fill(0), ...back];
}

const mappedPrefix = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** An address as a client or proxy writes it; undefined when it is none. */
export function parseIp(text: string): Ip | undefined {
  const v4 = parseV4(text);
  if (v4) return { kind: 4, bytes: v4 };
  const zone = text.indexOf("%");
  if (zone >= 0 && !/^[0-9a-zA-Z]+$/.test(text.slice(zone + 1))) return undefined;
  const v6 = parseV6(zone >= 0 ? text.slice(0, zone) : text);
  if (!v6) return undefined;
  if (mappedPrefix.every((b, i) => v6[i] === b)) return { kind: 4, bytes: v6.slice(12) };
  return { kind: 6, bytes: v6 };
}

/** "192.0.2.0/24", "2001:db8::/32", "::ffff:192.0.2.0/120" (an IPv4 range) or one address. */
export function parseRange(text: string): IpRange {
  const [address, length] = text.split("/");
  const v6 = address === undefined ? undefined : parseV6(address);
  const ip = address === undefined ? undefined : parseIp(address);
  if (!ip) throw new Error(`not a range: ${text}`);
  const full = ip.kind === 4 ? 32 : 128;
  let prefix = length === undefined ? full : Number(length);
  // A mapped range written in IPv6 covers the IPv4 addresses of its last 32 bits.
  if (ip.kind === 4 && v6 && length !== undefined) prefix -= 96;
  if (!(prefix >= 0 && prefix <= full)) throw new Error(`not a range: ${text}`);
  return { ip, prefix };
}

export function inRange(ip: Ip, range: IpRange): boolean {
  if (ip.kind !== range.ip.kind) return false;
  for (let bit = 0; bit < range.prefix; bit++) {
    const mask = 0x80 >> bit % 8;
    if ((ip.bytes[bit >> 3]! & mask) !== (range.ip.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

function longest(ip: Ip, ranges: readonly IpRange[]): number {
  return Math.max(-1, ...ranges.filter((r) => inRange(ip, r)).map((r) => r.prefix));
}

/**
 * Allow and deny lists (packages/server/src/security/ip-rules.ts): the most specific range that
 * holds the address decides, deny winning a tie; an address no range holds is allowed only while
 * the allow list is empty.
 */
export function admitted(ip: Ip, rules: { readonly allow: readonly IpRange[]; readonly deny: readonly IpRange[] }): boolean {
  const allowed = longest(ip, rules.allow);
  const denied = longest(ip, rules.deny);
  if (allowed < 0 && denied < 0) return rules.allow.length === 0;
  return allowed > denied;
}

/** One X-Forwarded-For entry: the address in it, or undefined for garbage. */
export function parseEntry(entry: string): Ip | undefined {
  const text = entry.trim();
  // What follows the closing bracket is the port, which nobody reads.
  if (text.startsWith("[")) {
    const bracketed = /^\[([^\]]*)\]/.exec(text);
    return bracketed ? parseIp(bracketed[1]!) : undefined;
  }
  // One colon and no brackets is an IPv4 address with a port; anything else, the whole entry.
  if (text.split(":").length === 2) return parseIp(text.slice(0, text.indexOf(":")));
  return parseIp(text);
}

/** The client of a request from `peer` carrying `forwardedFor` (the header's lines). */
export function effectiveClient(peer: Ip, forwardedFor: readonly string[], trusted: readonly IpRange[]): Ip {
  const isTrusted = (ip: Ip) => trusted.some((r) => inRange(ip, r));
  if (!isTrusted(peer) || forwardedFor.length === 0) return peer;
  const entries = forwardedFor.join(",").split(",");
  let client = peer;
  for (let i = entries.length - 1; i >= 0; i--) {
    const hop = parseEntry(entries[i]!);
    if (!hop) return client;
    client = hop;
    if (!isTrusted(hop)) return hop;
  }
  return client;
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.kind === b.kind && a.bytes.every((byte, i) => b.bytes[i] === byte);
}

export function formatIp(ip: Ip): string {
  if (ip.kind === 4) return ip.bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip.bytes[i]! << 8) | ip.bytes[i + 1]!).toString(16));
  return groups.join(":");
}
