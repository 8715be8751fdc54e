import type { IncomingMessage } from 'node:http';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Strips the IPv4-mapped IPv6 prefix so `::ffff:127.0.0.1` counts as `127.0.0.1`. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** Exact addresses and CIDR blocks, IPv4 and IPv6 (node:net BlockList). Throws on a malformed entry. */
export function createIpMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const type = isIPv4(address!) ? 'ipv4' : isIPv6(address!) ? 'ipv6' : null;
    if (!type) throw new Error(`not an IP address or CIDR block: ${entry}`);
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(bits), type);
  }
  return (ip) => {
    const normal = normaliseIp(ip);
    const type = isIPv4(normal) ? 'ipv4' : isIPv6(normal) ? 'ipv6' : null;
    return type !== null && list.check(normal, type);
  };
}

/**
 * The client's IP. `X-Forwarded-For` is believed only when the peer is a trusted proxy; then the
 * rightmost hop that is not itself a trusted proxy is the client (hops left of it are client-supplied).
 */
export function clientIp(req: IncomingMessage, isTrustedProxy: (ip: string) => boolean): string {
  const peer = normaliseIp(req.socket.remoteAddress ?? 'unknown');
  if (!isTrustedProxy(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return peer;
  const hops = value
    .split(',')
    .map((h) => normaliseIp(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isTrustedProxy(hop)) return hop;
  }
  return hops[0] ?? peer;
}
