import type { ChannelHistory, Message } from '../../core/index.js';

/**
 * The messages a backlog overflow must not lose (issue #3; notes §2.4.6: never `error` or
 * `stream_ended`): those published `pinned` (control.ts publishes exactly those two events
 * pinned) or the `snapshot` (a restart's `stream_started`), strictly between `fromOffset` and
 * `toOffset` in `epoch`, from the channel's retained history, in offset order without repeats.
 */
export function protectedInGap(history: ChannelHistory, epoch: string, fromOffset: number, toOffset: number): Message[] {
  const seen = new Set<number>();
  const out: Message[] = [];
  for (const m of [history.snapshot, ...history.pinned, ...history.messages]) {
    if (!m || m.epoch !== epoch || m.offset <= fromOffset || m.offset >= toOffset) continue;
    if ((m.kind !== 'pinned' && m.kind !== 'snapshot') || seen.has(m.offset)) continue;
    seen.add(m.offset);
    out.push(m);
  }
  return out.sort((a, b) => a.offset - b.offset);
}
