/**
 * Past one Redis (issue 17, DESIGN.md § Scale-out): channels spread over several independent
 * brokers (Redis, Valkey or KeyDB servers) by a jump consistent hash of the channel name
 * (jump-hash.ts; Centrifugo's model). A channel lives wholly on one shard, so its positions,
 * history, snapshot and idempotency keys stay atomic there and nothing about the broker contract
 * changes; each shard's data loss or outage touches only its own channels.
 */
import type { Broker, BrokerEvents, BrokerHealth, ChannelHistory, HistoryQuery, Message, Payload, PublishOptions, PublishedMessage } from '../core/index.js';
import { shardOf } from './jump-hash.js';
import { ErrorCode, StreamHubError } from '../errors.js';

/** Channels whose shard is remembered (the hash costs a few µs); past it the memo starts over (`server.redisShardMemoMax`). */
const DEFAULT_MEMO_MAX = 100_000;

export class ShardedBroker implements Broker {
  readonly name: string;
  readonly #shards: readonly Broker[];
  readonly #memo = new Map<string, Broker>();
  readonly #memoMax: number;

  constructor(shards: readonly Broker[], options: { memoMax?: number } = {}) {
    this.#memoMax = options.memoMax ?? DEFAULT_MEMO_MAX;
    if (shards.length === 0) throw new StreamHubError(ErrorCode.config, 'ShardedBroker needs at least one shard');
    this.#shards = shards;
    this.name = `${shards[0]!.name}×${shards.length}`;
  }

  /** The shard index of `channel` (tests, the operator's view). */
  shardIndex(channel: string): number {
    return shardOf(channel, this.#shards.length);
  }

  #of(channel: string): Broker {
    let shard = this.#memo.get(channel);
    if (!shard) {
      if (this.#memo.size >= this.#memoMax) this.#memo.clear();
      shard = this.#shards[shardOf(channel, this.#shards.length)]!;
      this.#memo.set(channel, shard);
    }
    return shard;
  }

  async start(deliver: (msg: Message) => void, events?: BrokerEvents): Promise<void> {
    // Every shard delivers in offset order per channel, and a channel has one shard: order holds.
    await Promise.all(this.#shards.map((s) => s.start(deliver, events)));
  }

  publish(channel: string, payload: Payload, options: PublishOptions): Promise<PublishedMessage> {
    return this.#of(channel).publish(channel, payload, options);
  }

  history(channel: string, query?: HistoryQuery): Promise<ChannelHistory> {
    return this.#of(channel).history(channel, query);
  }

  subscribe(channel: string): Promise<void> {
    return this.#of(channel).subscribe(channel);
  }

  unsubscribe(channel: string): Promise<void> {
    return this.#of(channel).unsubscribe(channel);
  }

  /** Healthy while every shard is: a shard that is down makes its channels unavailable. */
  health(): BrokerHealth {
    const states = this.#shards.map((s) => s.health());
    const down = states.flatMap((h, i) => (h.ok ? [] : [`shard ${i}: ${h.detail}`]));
    return down.length === 0 ? { ok: true, detail: `${this.#shards.length} shards: ${states[0]!.detail}` } : { ok: false, detail: down.join('; ') };
  }

  async close(): Promise<void> {
    await Promise.all(this.#shards.map((s) => s.close()));
  }
}
