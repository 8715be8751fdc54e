/** What every nova viewer session runs with, from the `nova` settings (PROTOCOL.md §4 "Liveness", §5 "Backlog"). */
import type { Config } from '../../config/index.js';
import type { JsonBounds } from '../../util/json-bounds.js';
import { queueLimitsFrom } from '../shared/lifecycle/index.js';
import { STALL_CLOSE, type SessionSettings } from './session-types.js';

export function sessionSettings(options: Config['nova'], jsonBounds: JsonBounds | undefined): SessionSettings {
  const queue = queueLimitsFrom(options.queue, {
    overflowClose: { code: 1008, reason: 'backlog overflow' },
    stallClose: STALL_CLOSE,
    maxPendingDuringReplay: options.maxPendingDuringReplay,
  });
  return {
    pingIntervalMs: options.pingIntervalMs,
    pingTimeoutMs: options.pingTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    maxInboundPerSecond: options.maxInboundPerSecond,
    highWaterMarkBytes: options.queue.highWaterMarkBytes,
    queue,
    jsonBounds,
  };
}
