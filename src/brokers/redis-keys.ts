/**
 * Key names of the Redis broker (src/brokers/REDIS.md "Keys"). All keys of one channel share a
 * hash tag, so the scripts that touch them together would also be valid on a Redis Cluster slot.
 */
export interface ChannelKeys {
  /** Hash: `ep` (the channel's epoch), `seq` (last offset), and the ring's counters (`n`, `cum`, `hb`, `ob`, `ht`; REDIS.md "Keys"). */
  readonly meta: string;
  /** Stream: the ring, one entry per retained message, id `<offset>-0`, field `e` = envelope, field `b` = payload bytes before it. */
  readonly ring: string;
  /** String: the snapshot envelope. */
  readonly snapshot: string;
  /** List: pinned envelopes, oldest first. */
  readonly pinned: string;
  /** Hash: idempotency key → `<offset> <kind code> <time> <publishedAt>` of its publish (issue 15 item 3). */
  readonly idempotency: string;
  /** Sorted set: idempotency key scored by its offset, i.e. in publish order (the window and the bound forget the oldest). */
  readonly idempotencyAge: string;
  /** Pub/sub channel the envelopes are published on. */
  readonly topic: string;
}

export function channelKeys(prefix: string, channel: string): ChannelKeys {
  const base = `${prefix}{${channel}}`;
  return {
    meta: `${base}:meta`,
    ring: `${base}:ring`,
    snapshot: `${base}:snap`,
    pinned: `${base}:pin`,
    idempotency: `${base}:idem`,
    idempotencyAge: `${base}:idemt`,
    topic: `${prefix}pub:${channel}`,
  };
}

/** The channel name of a pub/sub topic, or null when the topic is not ours. */
export function channelOfTopic(prefix: string, topic: string): string | null {
  const head = `${prefix}pub:`;
  return topic.startsWith(head) ? topic.slice(head.length) : null;
}

/** String key set once (SET NX) per data set; a new value means the Redis data was lost. */
export function instanceKey(prefix: string): string {
  return `${prefix}instance`;
}
