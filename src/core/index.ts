/** The core's public surface: the only import path other folders use. */
export * from './types.js';
export { Hub, dialectOf, type HubOptions } from './hub.js';
export { overBounds } from './subscriber.js';
export { systemClock, ManualClock } from './clock.js';
export { randomIds, sequentialIds, type IdSource } from './ids.js';
export { RetainedChannel } from './retained-channel.js';
export { replayOf, sinceInEpoch, type RetainedState } from './replay-rule.js';
export { Deque } from './deque.js';
export { isIdempotencyKey, IDEMPOTENCY_KEY_MAX_LENGTH } from './idempotency-key.js';
export { ErrorCode, StreamHubError } from './errors.js';
