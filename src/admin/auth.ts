/** The operator listener's bearer-token check (DESIGN.md: admin surfaces need a token, compared in constant time). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, safeEqual, sendJson } from '../net/http-reply.js';

/**
 * True when the request carries the admin token. Otherwise answers 503 `admin_disabled` when no
 * token is configured (notes §1.3, the match server's behaviour) or 401 `unauthorized`, and returns false.
 */
export function authorised(adminToken: string | null, req: IncomingMessage, res: ServerResponse): boolean {
  if (!adminToken) {
    sendJson(res, 503, { error: 'admin_disabled' });
    return false;
  }
  const given = bearerToken(req);
  if (!given || !safeEqual(given, adminToken)) {
    sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
    return false;
  }
  return true;
}
