/**
 * nova viewer counts summed across nodes (issue #7): implements nova's `ViewerCountSource` on a
 * NodeTable, so each node's count is its own viewers plus every other live node's (one sync
 * old). Listeners hear every change after the sync that settles it (a local change asks for one
 * at once), so every node's coalescer broadcasts `viewer_count_changed` with the cluster-wide sum.
 */
import type { ViewerCountSource } from '../dialects/nova/viewer-counts.js';
import type { NodeTable } from './node-table.js';

export class ClusterViewerCounts implements ViewerCountSource {
  readonly #table: NodeTable;
  readonly #listeners = new Set<(streamId: string) => void>();

  constructor(table: NodeTable) {
    this.#table = table;
    table.onRemoteChange((changed) => {
      for (const streamId of changed) this.#emit(streamId);
    });
  }

  /** Counted here at once; `count` moves at the sync this asks for (a few ms later), which notifies again. */
  adjust(streamId: string, delta: number): void {
    this.#table.adjust(streamId, delta);
    this.#table.requestSync();
    this.#emit(streamId);
  }

  /**
   * The settled sum (node-table.ts): what this node wrote plus the live nodes' counts read in the
   * same round, so a viewer who moved from a SIGKILLed node is never counted twice, neither in
   * `viewer_count_changed` nor in `peak_viewers` (issue 15 item 5).
   */
  count(streamId: string): number {
    return this.#table.settled(streamId);
  }

  onChange(listener: (streamId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(streamId: string): void {
    for (const listener of this.#listeners) listener(streamId);
  }
}
