/**
 * The match listener's HTTP surface (seed 000: "no JSON HTTP surface beyond /healthz and
 * /admin/status"; notes §1.3 adds `GET /` as a descriptor). A plain path → handler table, so
 * another route (or a viewer page at `/`) is one more entry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, safeEqual, sendJson } from '../../net/http-reply.js';
import { SPEC_VERSION } from './spec.js';

export interface MatchStatusEntry {
  readonly match_id: string;
  readonly subscribers: number;
  readonly messages_sent: number;
  readonly [extra: string]: unknown;
}

export interface HealthReport {
  readonly producers: number;
  readonly producers_up: number;
  readonly subscribers: number;
  readonly [extra: string]: unknown;
}

/** What the routes read; the dialect provides it. */
export interface MatchHttpState {
  readonly adminToken: string | null;
  uptimeMs(): number;
  matches(): MatchStatusEntry[];
  health(): HealthReport;
  /** Extra fields for /admin/status (limits, counters): the seed allows extra fields. */
  statusExtras(): Record<string, unknown>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The default routes of the match listener, keyed by path (GET and HEAD only). */
export function matchRoutes(state: MatchHttpState): Map<string, RouteHandler> {
  return new Map<string, RouteHandler>([
    ['/', (_req, res) => sendJson(res, 200, descriptor())],
    ['/healthz', (_req, res) => healthz(state, res)],
    ['/admin/status', (req, res) => adminStatus(state, req, res)],
  ]);
}

/** Dispatches one request on `routes`: 404 for unknown paths, 405 for methods other than GET/HEAD. */
export function serveRoutes(routes: ReadonlyMap<string, RouteHandler>, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const handler = routes.get(q < 0 ? url : url.slice(0, q));
  if (!handler) return sendJson(res, 404, { error: 'not_found' });
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
  handler(req, res);
}

function descriptor(): Record<string, unknown> {
  return {
    service: 'streamhub-match',
    spec_version: SPEC_VERSION,
    endpoints: {
      stream: 'ws /v1/match/<match_id>',
      ingest: 'ws /v1/ingest',
      healthz: 'GET /healthz',
      status: 'GET /admin/status (Authorization: Bearer <STREAM_ADMIN_TOKEN>)',
    },
  };
}

/** notes §1.3: 200 `{ok, producers, producers_up, subscribers}`; 503 when producers are configured and none is up, or the broker is down. */
function healthz(state: MatchHttpState, res: ServerResponse): void {
  const report = state.health();
  const ok = (report.producers === 0 || report.producers_up > 0) && report.broker_ok !== false;
  sendJson(res, ok ? 200 : 503, { ok, ...report }, { 'cache-control': 'no-store' });
}

/**
 * seed 000 `GET /admin/status`; notes §1.3: 503 `admin_disabled` without a token, 401
 * `unauthorized` on a wrong one. Constant-time comparison; the token is never logged.
 */
function adminStatus(state: MatchHttpState, req: IncomingMessage, res: ServerResponse): void {
  if (state.adminToken === null) return sendJson(res, 503, { error: 'admin_disabled' });
  const given = bearerToken(req);
  if (given === null || !safeEqual(given, state.adminToken)) {
    return sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
  }
  sendJson(
    res,
    200,
    { ok: true, uptime_ms: state.uptimeMs(), matches: state.matches(), spec_version: SPEC_VERSION, ...state.statusExtras() },
    { 'cache-control': 'no-store' },
  );
}
