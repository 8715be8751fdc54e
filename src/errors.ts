/**
 * Stable error identities (STYLE.md rule 6) and the close reasons shared by every dialect.
 * Dialect-specific close codes live in each dialect's codec and its PROTOCOL.md.
 */
import type { CloseReason } from './core/index.js';

export const ErrorCode = {
  config: 'ERR_CONFIG',
  unauthenticated: 'ERR_UNAUTHENTICATED',
  forbidden: 'ERR_FORBIDDEN',
  notFound: 'ERR_NOT_FOUND',
  invalidMessage: 'ERR_INVALID_MESSAGE',
  queueOverflow: 'ERR_QUEUE_OVERFLOW',
  capacity: 'ERR_CAPACITY',
  broker: 'ERR_BROKER',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class StreamHubError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'StreamHubError';
  }
}

/** Close reasons used across dialects [RFC 6455 §7.4.1]. */
export const CloseReasons = {
  /** Graceful shutdown: "going away". */
  shutdown: { code: 1001, reason: 'server shutting down' },
  normal: { code: 1000, reason: '' },
} as const satisfies Record<string, CloseReason>;
