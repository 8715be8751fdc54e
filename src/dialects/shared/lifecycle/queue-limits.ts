/**
 * A dialect's live-queue settings (`<dialect>.queue`, config/common.ts `queueSchema`) as the hub's
 * `QueueLimits`. The slow-consumer policy itself is the core's (core/subscriber.ts); a dialect
 * only names the policy (`overflow`, `stallFrom`) and the close codes its clients understand.
 */
import type { CloseReason, OverflowPolicy, QueueLimits, StallStart } from '../../../core/index.js';

/** The part of a `queueSchema` section the hub needs (`highWaterMarkBytes` is the writer's). */
export interface QueueSettings {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly stallTimeoutMs: number;
}

export interface SlowConsumerChoice {
  /** Close reason of the `close` overflow policy and of an overflow while a replay is fetched. */
  readonly overflowClose: CloseReason;
  /** Close reason of a stall; default `overflowClose`. */
  readonly stallClose?: CloseReason;
  /** Live messages held per channel while its replay is fetched (`<dialect>.maxPendingDuringReplay`). */
  readonly maxPendingDuringReplay: number;
  /** When the stall clock starts (core `StallStart`); default `overflow`. */
  readonly stallFrom?: StallStart;
}

export function queueLimitsFrom(settings: QueueSettings, choice: SlowConsumerChoice): QueueLimits {
  return Object.freeze({
    maxMessages: settings.maxMessages,
    maxBytes: settings.maxBytes,
    overflow: settings.overflow,
    overflowClose: choice.overflowClose,
    stallTimeoutMs: settings.stallTimeoutMs,
    stallClose: choice.stallClose ?? choice.overflowClose,
    maxPendingDuringReplay: choice.maxPendingDuringReplay,
    ...(choice.stallFrom ? { stallFrom: choice.stallFrom } : {}),
  });
}
