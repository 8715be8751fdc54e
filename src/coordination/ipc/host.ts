/**
 * The primary's side of embedded multi-core coordination (issue 19): per-worker counts summed per
 * key (connection caps, nova viewer counts), one holder per claimed key (relay's one publisher per
 * channel), the leases (elstat's prober) and the member tables (streamhub presence), all given up
 * when a worker exits (its members announced as `remove` to the others).
 */
import { MemberMap } from '../local-members.js';
import type { MemberEntry, MemberEvent } from '../ports.js';
import type { IpcEndpoint } from '../../util/ipc-endpoint.js';
import type { Claim } from '../ports.js';
import { COORD_TAG, isWorkerOps, type HostEvent, type HostEvents, type WorkerOp } from './protocol.js';

interface Peer {
  readonly id: string;
  readonly endpoint: IpcEndpoint;
  outbox: HostEvent[];
  flushScheduled: boolean;
}

export class CoordinationHost {
  readonly #peers = new Map<string, Peer>();
  /** table → key → worker → count. */
  readonly #counts = new Map<string, Map<string, Map<string, number>>>();
  /** table → keys whose sums changed this turn. */
  readonly #dirty = new Map<string, Set<string>>();
  /** table → key → holder. */
  readonly #claims = new Map<string, Map<string, { claim: Claim; worker: string }>>();
  /** table → worker → its entries. */
  readonly #members = new Map<string, Map<string, MemberMap>>();
  #broadcastScheduled = false;
  #leaseHolder: string | null = null;

  /** Serves one worker until the returned detach runs (on its exit). */
  attach(id: string, endpoint: IpcEndpoint): () => void {
    const peer: Peer = { id, endpoint, outbox: [], flushScheduled: false };
    const onMessage = (message: unknown) => {
      if (isWorkerOps(message) && this.#peers.get(id) === peer) for (const op of message.ops) this.#op(peer, op);
    };
    endpoint.on('message', onMessage);
    this.#peers.set(id, peer);
    this.#push(peer, { ev: 'hello', worker: id });
    for (const [table, keys] of this.#counts) this.#push(peer, { ev: 'sums', table, sums: [...keys.keys()].map((key) => [key, this.#others(table, key, id)] as const) });
    this.#electLeaseHolder();
    return () => {
      endpoint.off('message', onMessage);
      this.#detach(peer);
    };
  }

  #op(peer: Peer, op: WorkerOp): void {
    switch (op.op) {
      case 'adjust':
        return this.#adjust(op.table, op.key, peer.id, op.delta);
      case 'claim': {
        const table = this.#claimTable(op.table);
        const held = table.get(op.key);
        if (!held) table.set(op.key, { claim: op.claim, worker: peer.id });
        return this.#push(peer, { ev: 'reply', id: op.id, value: held ? null : op.claim });
      }
      case 'release': {
        const table = this.#claimTable(op.table);
        if (table.get(op.key)?.claim.holderId === op.holderId) table.delete(op.key);
        return;
      }
      case 'current':
        return this.#push(peer, { ev: 'reply', id: op.id, value: this.#claimTable(op.table).get(op.key)?.claim ?? null });
      case 'mset':
        return this.#memberMap(op.table, peer.id).set(op.key, op.member, op.value);
      case 'mdel':
        return void this.#memberMap(op.table, peer.id).delete(op.key, op.member);
      case 'mlist':
        return this.#push(peer, { ev: 'listed', id: op.id, value: this.#listMembers(op.table, op.key, op.max) });
      case 'announce':
        return this.#announce(op.table, op.event, peer.id);
    }
  }

  #memberMap(table: string, worker: string): MemberMap {
    let byWorker = this.#members.get(table);
    if (!byWorker) this.#members.set(table, (byWorker = new Map()));
    let map = byWorker.get(worker);
    if (!map) byWorker.set(worker, (map = new MemberMap()));
    return map;
  }

  #listMembers(table: string, key: string, max: number): { members: MemberEntry[]; truncated: boolean } {
    const members: MemberEntry[] = [];
    let truncated = false;
    for (const map of this.#members.get(table)?.values() ?? []) {
      const part = map.list(key, max - members.length);
      members.push(...part.members);
      truncated ||= part.truncated;
    }
    return { members, truncated };
  }

  /** To every worker but `from` (which told its own watchers). */
  #announce(table: string, event: MemberEvent, from: string | null): void {
    for (const peer of this.#peers.values()) if (peer.id !== from) this.#push(peer, { ev: 'member', table, event });
  }

  #claimTable(name: string): Map<string, { claim: Claim; worker: string }> {
    let table = this.#claims.get(name);
    if (!table) this.#claims.set(name, (table = new Map()));
    return table;
  }

  #adjust(table: string, key: string, worker: string, delta: number): void {
    let keys = this.#counts.get(table);
    if (!keys) this.#counts.set(table, (keys = new Map()));
    let byWorker = keys.get(key);
    if (!byWorker) keys.set(key, (byWorker = new Map()));
    const next = Math.max(0, (byWorker.get(worker) ?? 0) + delta);
    if (next === 0) byWorker.delete(worker);
    else byWorker.set(worker, next);
    if (byWorker.size === 0) keys.delete(key);
    let dirty = this.#dirty.get(table);
    if (!dirty) this.#dirty.set(table, (dirty = new Set()));
    dirty.add(key);
    if (!this.#broadcastScheduled) {
      this.#broadcastScheduled = true;
      setImmediate(() => this.#broadcastSums());
    }
  }

  /** The sum of `key` over every worker but `worker`. */
  #others(table: string, key: string, worker: string): number {
    let sum = 0;
    for (const [id, n] of this.#counts.get(table)?.get(key) ?? []) if (id !== worker) sum += n;
    return sum;
  }

  #broadcastSums(): void {
    this.#broadcastScheduled = false;
    for (const [table, keys] of this.#dirty) {
      for (const peer of this.#peers.values()) this.#push(peer, { ev: 'sums', table, sums: [...keys].map((key) => [key, this.#others(table, key, peer.id)] as const) });
    }
    this.#dirty.clear();
  }

  /** Leases go to the longest-running live worker (the first attached), and move when it exits. */
  #electLeaseHolder(): void {
    const holder = this.#peers.keys().next().value ?? null;
    if (holder === this.#leaseHolder) return;
    this.#leaseHolder = holder;
    for (const peer of this.#peers.values()) this.#push(peer, { ev: 'lease', holder });
  }

  #push(peer: Peer, event: HostEvent): void {
    peer.outbox.push(event);
    if (peer.flushScheduled) return;
    peer.flushScheduled = true;
    setImmediate(() => {
      peer.flushScheduled = false;
      if (this.#peers.get(peer.id) !== peer || peer.outbox.length === 0) return;
      const batch: HostEvents = { tag: COORD_TAG, events: peer.outbox };
      peer.outbox = [];
      try {
        peer.endpoint.send(batch);
      } catch {
        // The worker is gone; its exit detaches it.
      }
    });
  }

  #detach(peer: Peer): void {
    if (this.#peers.get(peer.id) !== peer) return;
    this.#peers.delete(peer.id);
    for (const [table, keys] of this.#counts) {
      for (const [key, byWorker] of keys) if (byWorker.has(peer.id)) this.#adjust(table, key, peer.id, -byWorker.get(peer.id)!);
    }
    for (const table of this.#claims.values()) for (const [key, held] of table) if (held.worker === peer.id) table.delete(key);
    for (const [table, byWorker] of this.#members) {
      const gone = byWorker.get(peer.id);
      byWorker.delete(peer.id);
      for (const event of gone?.drain() ?? []) this.#announce(table, event, null);
    }
    this.#electLeaseHolder();
  }
}
