/**
 * Which web pages may use this listener (PROTOCOL.md §20 "Origins"): a browser names the page's
 * origin in the `Origin` header of a WebSocket upgrade and of a cross-origin EventSource request
 * [RFC 6455 §4.2.1 item 7 and §10.2; Fetch, CORS protocol]. A request without `Origin` is not from
 * a page (a server, the CLI) and is let through: the token, not the origin, is the access control.
 * Entries are `*` (any page, the default: tokens are sent explicitly, never as cookies, so a foreign
 * page cannot act with a visitor's rights) or exact origins such as `https://app.example.com`.
 */
import type { IncomingMessage } from 'node:http';

export interface OriginPolicy {
  /** False when the request comes from a page whose origin is not listed (refused 403 `origin_not_allowed`). */
  allows(req: IncomingMessage): boolean;
  /** CORS response headers for an allowed cross-origin request; empty without `Origin`. */
  corsHeaders(req: IncomingMessage): Record<string, string>;
}

/** Preflight answers are cached by the browser this long (seconds). */
const PREFLIGHT_MAX_AGE_S = 600;

export function createOriginPolicy(allowed: readonly string[]): OriginPolicy {
  const any = allowed.includes('*');
  // Origins compare case-insensitively in scheme and host; browsers send them lower-case [RFC 6454 §6.1].
  const exact = new Set(allowed.filter((o) => o !== '*').map((o) => o.toLowerCase().replace(/\/+$/, '')));
  const originOf = (req: IncomingMessage): string | undefined => {
    const value = req.headers.origin;
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    allows(req) {
      const origin = originOf(req);
      return origin === undefined || any || exact.has(origin.toLowerCase());
    },
    corsHeaders(req): Record<string, string> {
      const origin = originOf(req);
      if (origin === undefined) return {};
      // Echoing the origin (not `*`) keeps caches right per page; `Vary` says so to shared caches.
      return { 'access-control-allow-origin': any ? '*' : origin, vary: 'Origin' };
    },
  };
}

/** Headers of a CORS preflight answer (`OPTIONS`): EventSource may send `Last-Event-ID`, fetch-based clients `Authorization`. */
export function preflightHeaders(cors: Record<string, string>): Record<string, string> {
  return {
    ...cors,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': 'authorization, last-event-id',
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
  };
}
