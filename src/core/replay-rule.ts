import type { ChannelHistory, HistoryQuery, Message } from './types.js';

/**
 * The replay rule, written once (issue 16 step 4): what a history read answers given what a
 * channel retains. The memory broker (RetainedChannel) and the Redis broker (redis-store.ts, from
 * one redis-history.lua read) both answer through it, so their `recovered` flag and pinned list
 * cannot drift apart (DESIGN.md "Snapshot + ring").
 */
export interface RetainedState {
  readonly epoch: string;
  /** The channel's latest offset; 0 when nothing was published in this epoch. */
  readonly top: number;
  /** Offset of the oldest ring entry, or top + 1 when the ring is empty. */
  readonly oldestInRing: number;
  readonly snapshot: Message | null;
  /** The whole pinned list, oldest first (entries still in the ring included). */
  readonly pinned: readonly Message[];
}

/** The position a query reads after, when it belongs to this epoch; another epoch's position says nothing. */
export function sinceInEpoch(query: HistoryQuery, epoch: string): number | undefined {
  return query.since && query.since.epoch === epoch ? query.since.offset : undefined;
}

/**
 * The history of `state` for a reader after `since` (from sinceInEpoch), with `messages` the ring
 * entries the caller selected for it (after `since`, at most the query's limit, newest kept).
 */
export function replayOf(state: RetainedState, since: number | undefined, messages: readonly Message[]): ChannelHistory {
  // Recovered: every message after `since` is still here (the ring starts right after it, or earlier).
  const recovered = since !== undefined && (since >= state.top || state.oldestInRing <= since + 1);
  return {
    top: state.top === 0 ? null : { offset: state.top, epoch: state.epoch },
    snapshot: state.snapshot,
    // A pinned message still in the ring is replayed there, once.
    pinned: state.pinned.filter((m) => m.offset < state.oldestInRing),
    messages,
    recovered,
  };
}
