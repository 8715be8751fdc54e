/**
 * Port 5101, the original's "extras" port (notes §4.2): `GET /status` and
 * `GET /getTeamInfoForCode?groupCode=` (used by post-match overlays after the match is gone).
 * Every answer carries `Access-Control-Allow-Origin: *`, as the original's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../net/http-reply.js';
import type { MatchRegistry } from './match-registry.js';

const CORS = { 'access-control-allow-origin': '*' } as const;

export function statusHandler(registry: MatchRegistry): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = requestUrl(req.url);
    if (!url) return sendJson(res, 400, { error: 'Bad request' }, CORS);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 404, { error: 'Not found' }, CORS);
    if (url.pathname === '/status') return sendJson(res, 200, { status: 'UP', matchesRunning: registry.size }, CORS);
    if (url.pathname === '/getTeamInfoForCode') {
      const groupCode = url.searchParams.get('groupCode');
      if (!groupCode) return sendJson(res, 400, { error: 'Group code is required' }, CORS);
      const info = registry.teamInfo(groupCode);
      if (!info) return sendJson(res, 404, { error: 'Group code not found' }, CORS);
      return sendJson(res, 200, info, CORS);
    }
    sendJson(res, 404, { error: 'Not found' }, CORS);
  };
}

/**
 * The request-target is origin-form [RFC 9112 §3.2.1]: read relative to a fixed origin, `//a:b`
 * would be an authority with a bad port and `new URL` would throw inside the request handler,
 * which nothing catches (issue 20 item 4: a bad path is a 400/404, never an exception).
 */
function requestUrl(target: string | undefined): URL | null {
  try {
    return new URL(`http://localhost${target?.startsWith('/') ? target : '/'}`);
  } catch {
    return null;
  }
}
