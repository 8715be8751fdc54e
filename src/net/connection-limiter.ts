import { capKey } from './client-ip.js';

/** Why a connection was refused by the caps. */
export type CapExceeded = 'per_ip' | 'total';

/**
 * Per-IP and total concurrent-connection caps for one dialect (DESIGN.md: caps counted per
 * dialect). `tryAcquire` and `release` must be paired; `release` is idempotent per lease.
 * Addresses are counted by `capKey`: an IPv6 client by its /`ipv6PrefixLength` network
 * (`server.ipv6CapPrefix`, default 64), an IPv4-mapped one as its IPv4 address.
 */
export class ConnectionLimiter {
  readonly #perIp = new Map<string, number>();
  #total = 0;

  constructor(
    readonly perIpMax: number,
    readonly totalMax: number,
    /** Addresses exempt from the per-IP cap (an allow-list), still counted in the total. */
    readonly isExempt: (ip: string) => boolean = () => false,
    readonly ipv6PrefixLength = 64,
  ) {}

  get total(): number {
    return this.#total;
  }

  countFor(ip: string): number {
    return this.#perIp.get(capKey(ip, this.ipv6PrefixLength)) ?? 0;
  }

  /** Takes a slot, or says which cap is full. */
  tryAcquire(address: string): { release: () => void } | { refused: CapExceeded } {
    if (this.#total >= this.totalMax) return { refused: 'total' };
    // The allow-list is checked on the full address; the count is kept per key.
    const ip = capKey(address, this.ipv6PrefixLength);
    const current = this.#perIp.get(ip) ?? 0;
    if (current >= this.perIpMax && !this.isExempt(address)) return { refused: 'per_ip' };
    this.#perIp.set(ip, current + 1);
    this.#total += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total -= 1;
        const left = (this.#perIp.get(ip) ?? 1) - 1;
        if (left <= 0) this.#perIp.delete(ip);
        else this.#perIp.set(ip, left);
      },
    };
  }
}
