/**
 * Socket.IO server options shared by ingest and output (seed 003 "Socket.IO Configuration"):
 * the seed's perMessageDeflate settings, a configurable CORS origin, and Socket.IO's defaults
 * for path (`/socket.io/`), transports (polling, then upgrade) and ping (25 s / 20 s).
 */
import type { ServerOptions } from 'socket.io';

export function socketOptions(corsOrigin: string | readonly string[], maxHttpBufferSize: number): Partial<ServerOptions> {
  const origin = typeof corsOrigin === 'string' ? corsOrigin : corsOrigin.length === 1 && corsOrigin[0] === '*' ? '*' : [...corsOrigin];
  return {
    perMessageDeflate: {
      zlibDeflateOptions: { chunkSize: 1024, memLevel: 7, level: 3 },
      zlibInflateOptions: { chunkSize: 10 * 1024 },
      threshold: 1024,
    },
    cors: { origin },
    maxHttpBufferSize,
  };
}

/** True when the CORS origin is the seed's wildcard (start-up warning outside development). */
export function isWildcard(corsOrigin: string | readonly string[]): boolean {
  return corsOrigin === '*' || (typeof corsOrigin !== 'string' && corsOrigin.includes('*'));
}
