/**
 * The ports for one node, in process (issue 16 item 2): what every dialect had by default before
 * the ports existed. Caps counted on this node, every lease held, claims in a map, counters summed
 * over this node only, members in a map (local-members.ts). No I/O, nothing to close.
 */
import { ConnectionLimiter } from '../net/connection-limiter.js';
import { DEFAULT_IPV6_CAP_PREFIX, sameCaps } from './caps-request.js';
import { LocalMemberTable } from './local-members.js';
import type { CapsRequest, Claim, ClaimHandle, ClaimTable, ConnectionSlots, Coordination, CoordinationPorts, CounterTable, Lease } from './ports.js';

/** One holder per key, checked and set in one synchronous step, so nothing can interleave (relay notes §3.4). */
export class LocalClaimTable implements ClaimTable {
  readonly #held = new Map<string, Claim>();

  /** Keys held (stats, tests). */
  get size(): number {
    return this.#held.size;
  }

  async claim(key: string, claim: Claim): Promise<ClaimHandle | null> {
    if (this.#held.has(key)) return null;
    this.#held.set(key, claim);
    return {
      claim,
      // Frees the key only while this claim holds it: a late release never frees a newer holder's key.
      release: async () => {
        if (this.#held.get(key) === claim) this.#held.delete(key);
      },
      // In process a claim is never lost, so `onLost` is left out (the port makes it optional).
    };
  }

  async current(key: string): Promise<Claim | null> {
    return this.#held.get(key) ?? null;
  }
}

/** This node's counts per key; a key at 0 takes no memory. Listeners hear every change at once. */
export class LocalCounterTable implements CounterTable {
  readonly #counts = new Map<string, number>();
  readonly #listeners = new Set<(key: string) => void>();

  adjust(key: string, delta: number): void {
    const next = Math.max(0, (this.#counts.get(key) ?? 0) + delta);
    if (next === 0) this.#counts.delete(key);
    else this.#counts.set(key, next);
    for (const listener of this.#listeners) listener(key);
  }

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  onChange(listener: (key: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** One node is the whole cluster: it always holds every lease. */
const ALWAYS_HELD: Lease = { held: () => true };

/** Fresh in-process ports; a dialect created without ports gets its own (`create…Dialect(ctx, options)`). */
export function localCoordination(): CoordinationPorts {
  const limiters = new Map<string, { slots: ConnectionSlots; caps: CapsRequest }>();
  const claims = new Map<string, LocalClaimTable>();
  const counters = new Map<string, LocalCounterTable>();
  const members = new Map<string, LocalMemberTable>();
  return {
    limiter(name, caps) {
      const known = limiters.get(name);
      if (known) return sameCaps(name, known.caps, caps), known.slots;
      const slots = new ConnectionLimiter(caps.perIpMax, caps.totalMax, caps.isExempt, caps.ipv6CapPrefix ?? DEFAULT_IPV6_CAP_PREFIX);
      limiters.set(name, { slots, caps });
      return slots;
    },
    lease: () => ALWAYS_HELD,
    claims(name) {
      let table = claims.get(name);
      if (!table) claims.set(name, (table = new LocalClaimTable()));
      return table;
    },
    counters(name) {
      let table = counters.get(name);
      if (!table) counters.set(name, (table = new LocalCounterTable()));
      return table;
    },
    members(name) {
      let table = members.get(name);
      if (!table) members.set(name, (table = new LocalMemberTable()));
      return table;
    },
  };
}

/** The engine of a node without a coordination Redis: always healthy, nothing to connect or release. */
export function localEngine(): Coordination {
  return {
    ports: localCoordination(),
    health: () => ({ ok: true, detail: 'local (one node)' }),
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
