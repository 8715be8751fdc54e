import type { IncomingMessage } from 'node:http';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { ErrorCode, StreamHubError } from '../errors.js';

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
    if (!type) throw new StreamHubError(ErrorCode.config, `not an IP address or CIDR block: ${entry}`);
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

/**
 * The key the per-IP caps count a client under. An IPv6 client is one /`ipv6PrefixLength` network
 * (default 64): one host, or one home line, usually owns a whole /64 [RFC 4291 §2.5.4; RFC 6177 §3],
 * so counting full addresses would give it 2^64 per-IP slots. IPv4 and IPv4-mapped IPv6 addresses
 * (either spelling: `::ffff:1.2.3.4`, `::ffff:102:304`) count as the IPv4 address. Anything else
 * (`unknown`) is its own key.
 */
export function capKey(ip: string, ipv6PrefixLength = 64): string {
  const normal = normaliseIp(ip);
  if (!isIPv6(normal.split('%')[0]!)) return normal;
  const bytes = ipv6Bytes(normal.split('%')[0]!);
  // ::ffff:0:0/96 is IPv4-mapped [RFC 4291 §2.5.5.2].
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.subarray(12).join('.');
  const bits = Math.max(0, Math.min(128, ipv6PrefixLength));
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i]! &= (0xff00 >> keep) & 0xff;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(':')}/${bits}`;
}

/** The 16 bytes of a valid IPv6 address (`isIPv6` already true), `::` and a dotted IPv4 tail included. */
function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  const tail: number[] = [];
  const dotted = text.lastIndexOf(':');
  if (text.includes('.')) {
    for (const part of text.slice(dotted + 1).split('.')) tail.push(Number(part));
    text = text.slice(0, dotted + 1) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}
