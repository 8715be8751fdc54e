/**
 * Stable error identities (STYLE.md rule 6) and the close reasons shared by every dialect.
 * The error family and its codes live in core (src/core/errors.ts; every folder may import core);
 * docs/errors.md lists them. Dialect-specific close codes live in each dialect's codec and its PROTOCOL.md.
 */
import type { CloseReason } from './core/index.js';

export { ErrorCode, StreamHubError } from './core/index.js';

/** Close reasons used across dialects [RFC 6455 §7.4.1]. */
export const CloseReasons = {
  /** Graceful shutdown: "going away". */
  shutdown: { code: 1001, reason: 'server shutting down' },
} as const satisfies Record<string, CloseReason>;
