/**
 * Per-node counters summed across nodes (issue #7; the Redis `counters(name)` port, e.g. viewers
 * per stream): each node's count is its own plus every other live node's (one sync old), on a
 * NodeTable. Listeners hear every change after the sync that settles it (a local change asks for
 * one at once), so every node's listeners see the cluster-wide sum.
 */
import type { CounterTable } from '../coordination/ports.js';
import type { NodeTable } from './node-table.js';

export class RedisCounterTable implements CounterTable {
  readonly #table: NodeTable;
  readonly #listeners = new Set<(key: string) => void>();

  constructor(table: NodeTable) {
    this.#table = table;
    table.onRemoteChange((changed) => {
      for (const key of changed) this.#emit(key);
    });
  }

  /** Counted here at once; `count` moves at the sync this asks for (a few ms later), which notifies again. */
  adjust(key: string, delta: number): void {
    this.#table.adjust(key, delta);
    this.#table.requestSync();
    this.#emit(key);
  }

  /**
   * The settled sum (node-table.ts): what this node wrote plus the live nodes' counts read in the
   * same round, so a count that moved from a SIGKILLed node is never counted twice (issue 15 item 5).
   */
  count(key: string): number {
    return this.#table.settled(key);
  }

  onChange(listener: (key: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(key: string): void {
    for (const listener of this.#listeners) listener(key);
  }
}
