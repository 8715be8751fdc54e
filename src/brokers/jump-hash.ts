/**
 * Which shard holds a channel (issue 17, client-side sharding as Centrifugo does it): FNV-1a 64 of
 * the channel name, then Lamping & Veach's jump consistent hash ("A Fast, Minimal Memory,
 * Consistent Hash Algorithm", 2014), so that growing from N to N+1 shards moves only 1/(N+1) of
 * the channels.
 */
import { ErrorCode, StreamHubError } from '../errors.js';

const MASK_64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const JUMP_MULTIPLIER = 2862933555777941757n;

/** FNV-1a, 64 bits, over the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return hash;
}

/** The bucket in [0, buckets) of a 64-bit key (the paper's Figure 1, in 64-bit unsigned arithmetic). */
export function jumpHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new StreamHubError(ErrorCode.config, `jumpHash: buckets must be a positive integer, got ${buckets}`);
  let b = -1;
  let j = 0;
  let k = key & MASK_64;
  while (j < buckets) {
    b = j;
    k = (k * JUMP_MULTIPLIER + 1n) & MASK_64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The shard of `channel` among `shards`. */
export const shardOf = (channel: string, shards: number): number => jumpHash(fnv1a64(channel), shards);
