/**
 * Socket.IO server options shared by ingest and output (seed 003 "Socket.IO Configuration"):
 * the seed's perMessageDeflate settings, a configurable CORS origin, and Socket.IO's defaults
 * for path (`/socket.io/`), transports (polling, then upgrade) and ping (25 s / 20 s).
 */
import type { ServerOptions } from 'socket.io';
import type { ConnectionRateGate } from '../../net/connection-rate.js';

export function socketOptions(
  corsOrigin: string | readonly string[],
  maxHttpBufferSize: number,
  connectionRate?: ConnectionRateGate,
): Partial<ServerOptions> {
  const origin = typeof corsOrigin === 'string' ? corsOrigin : corsOrigin.length === 1 && corsOrigin[0] === '*' ? '*' : [...corsOrigin];
  return {
    perMessageDeflate: {
      zlibDeflateOptions: { chunkSize: 1024, memLevel: 7, level: 3 },
      zlibInflateOptions: { chunkSize: 10 * 1024 },
      threshold: 1024,
    },
    cors: { origin },
    maxHttpBufferSize,
    ...(connectionRate ? { allowRequest: handshakeRate(connectionRate) } : {}),
  };
}

/** The message of a handshake refused by the node's connection rate; `<n>` is the suggested wait in seconds. */
export const RATE_LIMITED_MESSAGE = 'rate_limited: retry in <n> s';

/**
 * The node's new-connection rate at the Engine.IO handshake (issue 15 item 7). Engine.IO calls
 * `allowRequest` only for a handshake (a request without `sid`), so a polling client's later
 * requests and its upgrade to WebSocket take no token. A refusal is Engine.IO's FORBIDDEN answer
 * (polling: 403 `{"code":4,"message":…}`; WebSocket: 400 and the message): socket.io-client reports
 * `connect_error` and reconnects with its own randomised backoff (reconnectionDelay 1 s up to 5 s).
 */
function handshakeRate(gate: ConnectionRateGate): NonNullable<ServerOptions['allowRequest']> {
  return (_req, callback) => {
    const verdict = gate.tryAdmit();
    if (verdict.admitted) callback(null, true);
    else callback(RATE_LIMITED_MESSAGE.replace('<n>', String(verdict.retryAfterSeconds)), false);
  };
}

/** True when the CORS origin is the seed's wildcard (start-up warning outside development). */
export function isWildcard(corsOrigin: string | readonly string[]): boolean {
  return corsOrigin === '*' || (typeof corsOrigin !== 'string' && corsOrigin.includes('*'));
}
