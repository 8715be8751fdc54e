/**
 * Per-IP and total connection caps counted cluster-wide (issue #7; seed 000: "Total cap: 5000
 * concurrent subscribers per origin"): the Redis `limiter(name, caps)` port. A decision is local
 * and synchronous: this node's exact counts plus the other nodes' at the last sync, so across
 * nodes the caps can be overshot by what the other nodes admitted within one `syncIntervalMs`
 * (documented in docs/cluster.md).
 */
import { DEFAULT_IPV6_CAP_PREFIX } from '../coordination/caps-request.js';
import type { CapExceeded, CapsRequest, ConnectionSlots } from '../coordination/ports.js';
import { capKey } from '../net/client-ip.js';
import type { NodeTable } from './node-table.js';

const TOTAL = 't';

export class ClusterConnectionLimiter implements ConnectionSlots {
  readonly #table: NodeTable;
  readonly #caps: CapsRequest;

  constructor(table: NodeTable, caps: CapsRequest) {
    this.#table = table;
    this.#caps = caps;
  }

  #ipKey(address: string): string {
    return `i:${capKey(address, this.#caps.ipv6CapPrefix ?? DEFAULT_IPV6_CAP_PREFIX)}`;
  }

  /** Cluster-wide total (as of the last sync for the other nodes). */
  get total(): number {
    return this.#table.sum(TOTAL);
  }

  countFor(address: string): number {
    return this.#table.sum(this.#ipKey(address));
  }

  tryAcquire(address: string): { release: () => void } | { refused: CapExceeded } {
    const { perIpMax, totalMax, isExempt } = this.#caps;
    if (this.#table.sum(TOTAL) >= totalMax) return { refused: 'total' };
    // The allow-list is checked on the full address; the count is kept per network.
    if (this.#table.sum(this.#ipKey(address)) >= perIpMax && !isExempt?.(address)) return { refused: 'per_ip' };
    this.#table.adjust(TOTAL, 1);
    this.#table.adjust(this.#ipKey(address), 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#table.adjust(TOTAL, -1);
        this.#table.adjust(this.#ipKey(address), -1);
      },
    };
  }
}
