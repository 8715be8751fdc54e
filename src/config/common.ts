import { z } from 'zod';

/** An environment variable that overrides one setting. Aliases (the original servers' names) lose to the canonical name. */
export interface EnvBinding {
  readonly name: string;
  /** Dotted path into the config object, e.g. `match.perIpMax`. */
  readonly path: string;
  readonly type: 'int' | 'number' | 'bool' | 'string' | 'list' | 'seconds-to-ms' | 'mib-to-bytes' | 'nullable-string';
  /** Set for the original servers' names, which are honoured when the canonical one is unset. */
  readonly aliasOf?: string;
  readonly doc?: string;
}

export const port = z.number().int().min(0).max(65_535);
export const positiveInt = z.number().int().min(1);
export const nonNegativeInt = z.number().int().min(0);
/** A duration in milliseconds; 0 disables where the setting says so. */
export const durationMs = z.number().int().min(0).max(7 * 24 * 3600 * 1000);

export const overflowPolicy = z.enum(['drop-oldest', 'coalesce', 'close']);

/** A subscriber's live queue: bounded by messages and bytes, with an overflow policy and a stall deadline. */
export function queueSchema(defaults: {
  maxMessages: number;
  maxBytes: number;
  overflow: 'drop-oldest' | 'coalesce' | 'close';
  stallTimeoutMs: number;
}) {
  return z
    .object({
      maxMessages: positiveInt.default(defaults.maxMessages),
      maxBytes: positiveInt.default(defaults.maxBytes),
      overflow: overflowPolicy.default(defaults.overflow),
      stallTimeoutMs: durationMs.default(defaults.stallTimeoutMs),
      /** Socket bytes buffered above which the hub stops writing and queues (backpressure). */
      highWaterMarkBytes: positiveInt.default(1 << 20),
    })
    .strict()
    .prefault({});
}

/**
 * The per-node budget of an HTTP publish API (issue 15 item 2, src/net/request-budget.ts):
 * requests over it wait (bounded), then get 503 with `Retry-After`.
 */
export function requestBudgetSchema(defaults: { maxBytes: number; maxCount: number; maxWaiting: number; maxWaitMs: number }) {
  return z
    .object({
      /** Most bytes (declared body sizes) of requests being published at once. */
      maxBytes: positiveInt.default(defaults.maxBytes),
      /** Most requests being published at once. */
      maxCount: positiveInt.default(defaults.maxCount),
      /** Most requests waiting for room; past it: 503 at once. */
      maxWaiting: nonNegativeInt.default(defaults.maxWaiting),
      /** Longest wait for room; past it: 503 with `Retry-After`. */
      maxWaitMs: durationMs.min(1).default(defaults.maxWaitMs),
    })
    .strict()
    .prefault({});
}

/** Per-IP and total connection caps, counted per dialect (DESIGN.md "Defaults that protect"). */
export function capsSchema(defaults: { perIpMax: number; totalMax: number }) {
  return {
    perIpMax: positiveInt.default(defaults.perIpMax),
    totalMax: positiveInt.default(defaults.totalMax),
  };
}
