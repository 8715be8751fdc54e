import type { Payload, PublishOptions } from './types.js';

/** What this node last published as a channel's snapshot, kept so it can be published again. */
interface HeldSnapshot {
  readonly payload: Payload;
  readonly options: PublishOptions;
  /** Clock ms of this node's last publish of any kind to the channel. */
  lastPublishAt: number;
}

/**
 * The snapshots this node's producers published (issue 15 item 1, DESIGN.md § Scale-out: "after
 * the broker loses data, the node serving a channel's producer publishes the channel's snapshot
 * again, so newcomers can always join"). One place for every dialect: each dialect already
 * publishes what a newcomer needs first (MatchInit, nova stream info, spectra match state, elstat
 * last value, relay first chunk) as kind `snapshot`, so the hub keeps the last one per channel and
 * forgets it when the channel is `reset` (the producer ended it) or has been idle past its
 * retention's `idleTtlMs` (the broker forgot the channel too). Memory: one payload per channel
 * this node publishes to, which each dialect already bounds.
 */
export class HeldSnapshots {
  readonly #held = new Map<string, HeldSnapshot>();

  /** Called for every publish of this node, before it is sent. */
  record(channel: string, payload: Payload, options: PublishOptions, now: number): void {
    const kind = options.kind ?? 'data';
    if (kind === 'snapshot') {
      this.#held.set(channel, { payload, options, lastPublishAt: now });
      return;
    }
    if (kind === 'reset') {
      this.#held.delete(channel);
      return;
    }
    const held = this.#held.get(channel);
    if (held) held.lastPublishAt = now;
  }

  /** The snapshots to publish again after a data loss, oldest channel first; idle ones are forgotten. */
  takeLive(now: number): Array<{ channel: string; payload: Payload; options: PublishOptions }> {
    const out: Array<{ channel: string; payload: Payload; options: PublishOptions }> = [];
    for (const [channel, held] of this.#held) {
      const ttl = held.options.retention.idleTtlMs;
      if (ttl > 0 && now - held.lastPublishAt > ttl) {
        this.#held.delete(channel);
        continue;
      }
      out.push({ channel, payload: held.payload, options: held.options });
    }
    return out;
  }

  get size(): number {
    return this.#held.size;
  }
}

