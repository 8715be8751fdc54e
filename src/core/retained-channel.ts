import { Deque } from './deque.js';
import { replayOf, sinceInEpoch } from './replay-rule.js';
import type { ChannelHistory, HistoryQuery, Message, RetentionPolicy, StreamPosition } from './types.js';

/**
 * What one channel retains: the snapshot slot, the pinned list and the ring, bounded by
 * count, bytes and age (DESIGN.md "Snapshot + ring"). Used by the memory broker; the Redis
 * broker keeps the same shape in Redis.
 */
export class RetainedChannel {
  readonly name: string;
  #epoch: string;
  #offset = 0;
  #snapshot: Message | null = null;
  #pinned = new Deque<Message>();
  #ring = new Deque<Message>();
  #ringBytes = 0;
  lastPublishAt = 0;

  constructor(name: string, epoch: string) {
    this.name = name;
    this.#epoch = epoch;
  }

  get epoch(): string {
    return this.#epoch;
  }

  get top(): StreamPosition | null {
    return this.#offset === 0 ? null : { offset: this.#offset, epoch: this.#epoch };
  }

  get ringLength(): number {
    return this.#ring.length;
  }

  get ringBytes(): number {
    return this.#ringBytes;
  }

  /** The next position; the caller builds the message and hands it to `retain`. */
  nextPosition(): StreamPosition {
    this.#offset += 1;
    return { offset: this.#offset, epoch: this.#epoch };
  }

  retain(msg: Message, policy: RetentionPolicy): void {
    this.lastPublishAt = msg.publishedAt;
    switch (msg.kind) {
      case 'volatile':
        return;
      case 'reset':
        this.#clear();
        this.#snapshot = null;
        return;
      case 'snapshot':
        this.#clear();
        this.#snapshot = msg;
        return;
      case 'pinned':
        this.#pinned.push(msg);
        while (this.#pinned.length > policy.maxPinned) this.#pinned.shift();
        this.#append(msg, policy);
        return;
      case 'data':
        this.#append(msg, policy);
        return;
    }
  }

  history(query: HistoryQuery = {}): ChannelHistory {
    const ring = this.#ring.toArray();
    const since = sinceInEpoch(query, this.#epoch);
    let messages = since === undefined ? ring : ring.filter((m) => m.offset > since);
    if (query.limit !== undefined && messages.length > query.limit) {
      messages = query.limit === 0 ? [] : messages.slice(messages.length - query.limit);
    }
    const state = {
      epoch: this.#epoch,
      top: this.#offset,
      oldestInRing: ring[0]?.offset ?? this.#offset + 1,
      snapshot: this.#snapshot,
      pinned: this.#pinned.toArray(),
    };
    return replayOf(state, since, messages);
  }

  #append(msg: Message, policy: RetentionPolicy): void {
    const overhead = policy.overheadBytes ?? 0;
    this.#ring.push(msg);
    this.#ringBytes += msg.payload.byteLength + overhead;
    const oldestAllowed = policy.maxAgeMs > 0 ? msg.time - policy.maxAgeMs : -Infinity;
    for (;;) {
      const oldest = this.#ring.peek();
      if (!oldest) break;
      const over =
        this.#ring.length > policy.maxMessages || this.#ringBytes > policy.maxBytes || oldest.time < oldestAllowed;
      if (!over) break;
      this.#ring.shift();
      this.#ringBytes -= oldest.payload.byteLength + overhead;
    }
  }

  #clear(): void {
    this.#pinned.clear();
    this.#ring.clear();
    this.#ringBytes = 0;
  }
}
