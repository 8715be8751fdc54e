/**
 * What a dialect may ask of the cluster, by name (issue 16 item 2). A dialect never sees Redis:
 * one node gets in-process implementations (`local.ts`), a cluster gets the same interfaces
 * backed by its coordination engine (`src/cluster/`). Broker and coordination are chosen
 * independently (DESIGN.md § Scale-out).
 */

/** Why a connection was refused by the caps. */
export type CapExceeded = 'per_ip' | 'total';

/** Per-IP and total concurrent-connection caps; `release` is idempotent per slot. */
export interface ConnectionSlots {
  tryAcquire(ip: string): { release: () => void } | { refused: CapExceeded };
  /** Slots held (on a cluster: this node's now plus the others' at the last sync). */
  readonly total: number;
  /** Slots held by `ip`'s cap key (its /N network for IPv6), counted as `total` is. */
  countFor(ip: string): number;
}

export interface CapsRequest {
  readonly perIpMax: number;
  readonly totalMax: number;
  /** Addresses exempt from the per-IP cap (an allow-list), still counted in the total. */
  readonly isExempt?: (ip: string) => boolean;
  /** An IPv6 client counts as its /N network (`server.ipv6CapPrefix`, default 64; 128: every address apart). */
  readonly ipv6CapPrefix?: number;
}

/** Held by at most one node at a time (e.g. elstat's prober). */
export interface Lease {
  /** True while this node holds the lease. Cheap, synchronous. */
  held(): boolean;
}

/** Who holds a key of a claim table: enough for any node to check a later request against it. */
export interface Claim {
  /** Unique per holder session. */
  readonly holderId: string;
  /** An opaque digest the holder registered (relay: the publisher key's digest; never the key). */
  readonly digest: string;
}

/** A held claim. */
export interface ClaimHandle {
  readonly claim: Claim;
  /** Frees the key. Idempotent; never rejects. */
  release(): Promise<void>;
  /** Called when the claim is lost without being released (a cluster lease not renewed in time). */
  onLost?(listener: () => void): void;
}

/** One holder per key (relay: one publisher per channel). */
export interface ClaimTable {
  /** Atomically claims `key`; resolves null when another holder has it. */
  claim(key: string, claim: Claim): Promise<ClaimHandle | null>;
  /** The current holder of `key`, or null. */
  current(key: string): Promise<Claim | null>;
}

/** Per-node counters by key, summed across nodes (nova's viewer counts). */
export interface CounterTable {
  /** This node's count of `key` moved by `delta`. Synchronous and cheap. */
  adjust(key: string, delta: number): void;
  /** The sum over every live node. */
  count(key: string): number;
  /** Called after every change of a key's sum; returns an unsubscribe function. */
  onChange(listener: (key: string) => void): () => void;
}

/** One member entry of a member table: an id unique in its key, and an opaque value (bounded by the caller). */
export interface MemberEntry {
  readonly id: string;
  readonly value: string;
}

/** A member joined (`add`) or left (`remove`) a key, on some node. */
export interface MemberEvent {
  readonly type: 'add' | 'remove';
  readonly key: string;
  readonly id: string;
  readonly value: string;
}

/** What `MemberTable.list` answers. */
export interface MemberList {
  readonly members: readonly MemberEntry[];
  /** True when the table holds more entries of the key than were listed. */
  readonly truncated: boolean;
}

/**
 * Members per key, kept by the node that added them and listed across every live node (issue 18:
 * presence members cluster-wide). A node's entries leave when it does: at once on `close`, and after a
 * crash within the engine's documented time (docs/cluster.md "Coordination keys"). The caller
 * bounds what it stores (entries per key, value size); the engine batches writes per event-loop turn.
 */
export interface MemberTable {
  /** Stores this node's entry `id` of `key` (replacing one with the same id). Synchronous; written in the background. */
  set(key: string, id: string, value: string): void;
  /** Deletes this node's entry. Idempotent. */
  delete(key: string, id: string): void;
  /**
   * At most `max` entries of `key` over every live node, this node's writes so far included (read
   * after them). Rejects when the engine cannot read (its connection is down).
   */
  list(key: string, max: number): Promise<MemberList>;
  /**
   * Sends `event` to the watchers of its key on every node, this node's included (synchronously).
   * Ordered per sender: two events announced by one node reach every watcher in that order. Best
   * effort across a connection fault. A crashed node's entries are announced as `remove` by a
   * survivor when they are cleaned up.
   */
  announce(event: MemberEvent): void;
  /** Hears the events of `key` from every node; returns the stop function. */
  watch(key: string, listener: (event: MemberEvent) => void): () => void;
}

/**
 * The ports handed to every dialect's `create`. Each call with the same name returns the same
 * object, and the first call of a name starts it (a disabled dialect's table or lease never runs,
 * issue 15 item 6). Names are the dialect's own: a Redis engine keys them under its prefix, so a
 * name serves one kind of port only (a claim table `x` and a counter table `x` would share the
 * keys `<prefix>x:…`; docs/cluster.md "Coordination keys").
 */
export interface CoordinationPorts {
  /** Throws StreamHubError ERR_CONFIG when `name` was already asked for with other numbers. */
  limiter(name: string, caps: CapsRequest): ConnectionSlots;
  lease(role: string): Lease;
  claims(name: string): ClaimTable;
  counters(name: string): CounterTable;
  members(name: string): MemberTable;
}

/** A node's coordination engine, as the server holds it (src/coordination/index.ts picks one). */
export interface Coordination {
  readonly ports: CoordinationPorts;
  /** `ok` is false while the engine cannot coordinate (its connection is down), for /healthz. Cheap, no I/O. */
  health(): { ok: boolean; detail: string };
  /** Resolves once the engine can coordinate (its first connection); optional for callers. */
  ready(): Promise<void>;
  /** Releases this node's leases and claims, deletes its counters, closes connections. Idempotent. */
  close(): Promise<void>;
}
