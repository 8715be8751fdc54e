/**
 * Coordination between the workers of one machine in embedded multi-core mode (issue 19,
 * DESIGN.md § Scale-out): the primary process keeps the counter tables, the claims and the
 * leases that Redis keeps for a cluster, and the member tables (issue 18 presence). Batched per
 * event-loop turn in both directions.
 */
import type { Claim, MemberEvent, MemberList } from '../ports.js';

export const COORD_TAG = 'streamhub.coord';

export type WorkerOp =
  /** This worker's count of `key` in `table` moved by `delta`. */
  | { readonly op: 'adjust'; readonly table: string; readonly key: string; readonly delta: number }
  | { readonly op: 'claim'; readonly id: number; readonly table: string; readonly key: string; readonly claim: Claim }
  | { readonly op: 'release'; readonly table: string; readonly key: string; readonly holderId: string }
  | { readonly op: 'current'; readonly id: number; readonly table: string; readonly key: string }
  /** This worker's member entry of member table `table`, stored or deleted. */
  | { readonly op: 'mset'; readonly table: string; readonly key: string; readonly member: string; readonly value: string }
  | { readonly op: 'mdel'; readonly table: string; readonly key: string; readonly member: string }
  /** Every worker's entries of `key`, at most `max`: answered by a `listed` event. */
  | { readonly op: 'mlist'; readonly id: number; readonly table: string; readonly key: string; readonly max: number }
  /** An event for the other workers' watchers (the sender's own heard it already). */
  | { readonly op: 'announce'; readonly table: string; readonly event: MemberEvent };

export type HostEvent =
  /** The worker's id, sent first. */
  | { readonly ev: 'hello'; readonly worker: string }
  /** Who holds every lease now: the longest-running live worker. */
  | { readonly ev: 'lease'; readonly holder: string | null }
  /** The other workers' summed counts of these keys. */
  | { readonly ev: 'sums'; readonly table: string; readonly sums: readonly (readonly [string, number])[] }
  | { readonly ev: 'reply'; readonly id: number; readonly value: Claim | null }
  | { readonly ev: 'listed'; readonly id: number; readonly value: MemberList }
  /** A member event of another worker (or of an exited worker's entries, as `remove`). */
  | { readonly ev: 'member'; readonly table: string; readonly event: MemberEvent };

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
