/**
 * Coordination between the workers of one machine in embedded multi-core mode (issue 19,
 * DESIGN.md § Scale-out): the primary process keeps the counter tables, the claims and the
 * leases that Redis keeps for a cluster. Batched per event-loop turn in both directions.
 */
import type { Claim } from '../ports.js';

export const COORD_TAG = 'streamhub.coord';

export type WorkerOp =
  /** This worker's count of `key` in `table` moved by `delta`. */
  | { readonly op: 'adjust'; readonly table: string; readonly key: string; readonly delta: number }
  | { readonly op: 'claim'; readonly id: number; readonly table: string; readonly key: string; readonly claim: Claim }
  | { readonly op: 'release'; readonly table: string; readonly key: string; readonly holderId: string }
  | { readonly op: 'current'; readonly id: number; readonly table: string; readonly key: string };

export type HostEvent =
  /** The worker's id, sent first. */
  | { readonly ev: 'hello'; readonly worker: string }
  /** Who holds every lease now: the longest-running live worker. */
  | { readonly ev: 'lease'; readonly holder: string | null }
  /** The other workers' summed counts of these keys. */
  | { readonly ev: 'sums'; readonly table: string; readonly sums: readonly (readonly [string, number])[] }
  | { readonly ev: 'reply'; readonly id: number; readonly value: Claim | null };

export interface WorkerOps {
  readonly tag: typeof COORD_TAG;
  readonly ops: readonly WorkerOp[];
}

export interface HostEvents {
  readonly tag: typeof COORD_TAG;
  readonly events: readonly HostEvent[];
}

export const isWorkerOps = (m: unknown): m is WorkerOps =>
  typeof m === 'object' && m !== null && (m as WorkerOps).tag === COORD_TAG && Array.isArray((m as WorkerOps).ops);

export const isHostEvents = (m: unknown): m is HostEvents =>
  typeof m === 'object' && m !== null && (m as HostEvents).tag === COORD_TAG && Array.isArray((m as HostEvents).events);
