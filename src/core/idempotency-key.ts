/**
 * The shape of a producer's idempotency key (issue 15 item 3): 1–128 printable ASCII characters
 * (0x21–0x7E). Bounded so that the per-channel window of keys stays bounded in bytes too, and
 * plain so that a key is the same string in JSON, HTTP headers, logs and Redis.
 */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;
const KEY_RE = /^[\x21-\x7e]+$/;

export function isIdempotencyKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= IDEMPOTENCY_KEY_MAX_LENGTH && KEY_RE.test(value);
}
