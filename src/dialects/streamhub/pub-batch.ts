/**
 * The `pub` frames of one hub batch, encoded once and shared by every plain live subscription of
 * the channel (DESIGN.md "Encode once"; issue 19: "one lookup and one write per subscriber", as
 * the match dialect's `sendMessages`).
 *
 * The hub hands one frozen batch array to every caught-up subscriber of a channel in a pass
 * (core/fan-out.ts `sealBatch`), so the array itself is the key: the first subscription builds the
 * frames, the rest find them by identity. Held only while the hub's batch is alive (a WeakMap), so
 * this cache is bounded by the channel's log.
 */
import type { Message } from '../../core/index.js';
import { encodePub } from './codec.js';

/** One `pub` frame as the shared writer takes it (`WsWriter.sendMessages`: framed and joined once per array). */
export interface PubFrame {
  readonly payload: Buffer;
}

export interface PubBatch {
  /** The hub's messages, in order. */
  readonly messages: readonly Message[];
  /** Their `pub` frames; a frozen array, so the writer shares its wire bytes by identity. */
  readonly frames: readonly PubFrame[];
  /**
   * True when every message follows the one before it (same epoch, offset + 1): a subscription
   * whose last written position is just before the first one can then write the batch as it is,
   * with no `gap` and no duplicate to leave out (PROTOCOL.md §8).
   */
  readonly contiguous: boolean;
}

const byBatch = new WeakMap<readonly Message[], PubBatch>();

/**
 * The shared pub frames of `batch` (non-empty), built on the first call for that array. Only a
 * frozen array (the hub's pass batch) is remembered: any other array could change after this call,
 * and is one subscriber's own (a drained queue, the held replay) anyway.
 */
export function pubBatchOf(batch: readonly Message[]): PubBatch {
  let shared = byBatch.get(batch);
  if (!shared) {
    shared = { messages: batch, frames: Object.freeze(batch.map(pubFrame)), contiguous: isContiguous(batch) };
    if (Object.isFrozen(batch)) byBatch.set(batch, shared);
  }
  return shared;
}

function pubFrame(msg: Message): PubFrame {
  return { payload: encodePub(msg) };
}

function isContiguous(batch: readonly Message[]): boolean {
  for (let i = 1; i < batch.length; i++) {
    const prev = batch[i - 1]!;
    const msg = batch[i]!;
    if (msg.epoch !== prev.epoch || msg.offset !== prev.offset + 1) return false;
  }
  return true;
}
