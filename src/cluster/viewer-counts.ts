/**
 * nova viewer counts summed across nodes (issue #7): implements nova's `ViewerCountSource` on a
 * NodeTable, so each node's count is its own viewers plus every other live node's (one sync
 * old). Listeners hear local changes at once and remote ones after each sync, so every node's
 * coalescer broadcasts `viewer_count_changed` with the cluster-wide sum to its own viewers.
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

  adjust(streamId: string, delta: number): void {
    this.#table.adjust(streamId, delta);
    this.#emit(streamId);
  }

  count(streamId: string): number {
    return this.#table.sum(streamId);
  }

  onChange(listener: (streamId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(streamId: string): void {
    for (const listener of this.#listeners) listener(streamId);
  }
}
