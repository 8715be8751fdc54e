/**
 * Per-IP and total connection caps counted cluster-wide (issue #7; seed 000: "Total cap: 5000
 * concurrent subscribers per origin"). Same shape as `ConnectionLimiter`, so a dialect takes
 * either. A decision is local and synchronous: this node's exact counts plus the other nodes'
 * at the last sync, so across nodes the caps can be overshot by what the other nodes admitted
 * within one `syncIntervalMs` (documented in docs/cluster.md).
 */
import { capKey } from '../dialects/shared/client-ip.js';
import type { CapExceeded } from '../dialects/shared/connection-limiter.js';
import type { NodeTable } from './node-table.js';

const TOTAL = 't';

export class ClusterConnectionLimiter {
  readonly #table: NodeTable;

  constructor(
    table: NodeTable,
    readonly perIpMax: number,
    readonly totalMax: number,
    readonly isExempt: (ip: string) => boolean = () => false,
    /** Counted as `ConnectionLimiter` counts: an IPv6 client by its /N network (`server.ipv6CapPrefix`). */
    readonly ipv6CapPrefix = 64,
  ) {
    this.#table = table;
  }

  #ipKey(address: string): string {
    return `i:${capKey(address, this.ipv6CapPrefix)}`;
  }

  /** Cluster-wide total (as of the last sync for the other nodes). */
  get total(): number {
    return this.#table.sum(TOTAL);
  }

  countFor(address: string): number {
    return this.#table.sum(this.#ipKey(address));
  }

  tryAcquire(address: string): { release: () => void } | { refused: CapExceeded } {
    if (this.#table.sum(TOTAL) >= this.totalMax) return { refused: 'total' };
    if (this.#table.sum(this.#ipKey(address)) >= this.perIpMax && !this.isExempt(address)) return { refused: 'per_ip' };
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
