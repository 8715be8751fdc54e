import type { Config } from '../../config/index.js';
import type { RetentionPolicy } from '../../core/index.js';

/** A stream channel's history (PROTOCOL.md §9 "Settings"): `idleTtlMs` 0 while live, the ended-stream TTL once ended. */
export function novaRetention(options: Config['nova'], idleTtlMs: number): RetentionPolicy {
  return {
    maxMessages: options.historySize,
    maxBytes: options.historyMaxBytes,
    maxAgeMs: 0,
    maxPinned: options.maxProtected,
    idleTtlMs,
  };
}
