/**
 * The operator listener (port 4000): the live dashboard at `/` and its JSON (`/api/dashboard`),
 * `/healthz`, Prometheus `/metrics`, the token-protected admin JSON API (`/api/status`) and HTTP
 * publish API (`POST /api/publish`). It reads `Hub.stats()` and each dialect's `stats()`; it never
 * touches a socket of a dialect.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { operatorSchema } from '../config/server.js';
import { systemClock, type Hub, type Logger, type RetentionPolicy } from '../core/index.js';
import { LogThrottle } from '../util/log-throttle.js';
import { createHttpListener, type HttpListener } from '../net/http-listener.js';
import { bearerToken, sendJson } from '../net/http-reply.js';
import { RequestBudget, type RequestBudgetSettings } from '../net/request-budget.js';
import type { Dialect } from '../dialects/types.js';
import type { ListenerSettings } from '../net/listener-settings.js';
import type { Metrics } from '../metrics/registry.js';
import { dashboardAssets } from '../web/dashboard/index.js';
import { authorised } from './auth.js';
import { dashboardBody, hubSummary } from './dashboard-data.js';
import { handlePublish, type Publisher } from './publish-api.js';
import { serveAsset } from '../web/serve.js';

export type { Publisher } from './publish-api.js';

export interface OperatorOptions {
  readonly port: number;
  readonly adminToken: string | null;
  readonly settings: ListenerSettings;
  readonly hub: Hub;
  /** The node's coordination engine (leases, caps, counter tables), reported in /healthz. */
  readonly coordination?: { health(): { ok: boolean; detail: string } };
  readonly dialects: readonly Dialect[];
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly startedAt: number;
  /**
   * Per-dialect publish functions for `POST /api/publish` (the match dialect's validated publish,
   * …). A running dialect without one is published to through the hub with `publishRetention`.
   */
  readonly publishers?: Readonly<Record<string, Publisher>>;
  /** Default `operator.publicDashboard` (true): `/api/dashboard` needs no token. */
  readonly publicDashboard?: boolean;
  /** Default `operator.dashboardMaxChannels` (200). */
  readonly dashboardMaxChannels?: number;
  /** Default `operator.maxPublishBytes` (1 MiB). */
  readonly maxPublishBytes?: number;
  /** Default `operator.publishRetention` (100 messages, 1 MiB, idle 1 h). */
  readonly publishRetention?: RetentionPolicy;
  /** Default `operator.publishInflight` (256 requests, 16 MiB, 1,024 waiting up to 5 s). */
  readonly publishInflight?: RequestBudgetSettings;
}

const DEFAULTS = operatorSchema.parse(undefined);

export function createOperatorListener(options: OperatorOptions): HttpListener {
  const assets = dashboardAssets();
  const publishOptions = {
    hub: options.hub,
    dialectNames: options.dialects.map((d) => d.name),
    publishers: options.publishers ?? {},
    retention: options.publishRetention ?? DEFAULTS.publishRetention,
    maxBytes: options.maxPublishBytes ?? DEFAULTS.maxPublishBytes,
    jsonBounds: options.settings.jsonBounds,
    log: options.log,
    logThrottle: new LogThrottle(options.log, { clock: systemClock }),
    budget: new RequestBudget(options.publishInflight ?? DEFAULTS.publishInflight, systemClock),
  };
  const dashboard = {
    hub: options.hub,
    dialects: options.dialects,
    metrics: options.metrics,
    startedAt: options.startedAt,
    maxChannels: options.dashboardMaxChannels ?? DEFAULTS.dashboardMaxChannels,
  };
  const publicDashboard = options.publicDashboard ?? DEFAULTS.publicDashboard;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/api/publish') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
      if (!authorised(options.adminToken, req, res)) return;
      return handlePublish(publishOptions, req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    switch (path) {
      case '/healthz': {
        const broker = options.hub.broker.health();
        // Coordination down (leases, caps, counters) degrades a cluster but the node still serves: 200.
        const coordination = options.coordination?.health();
        return sendJson(res, broker.ok ? 200 : 503, { ok: broker.ok, broker: { name: options.hub.broker.name, ...broker }, ...(coordination ? { coordination } : {}) });
      }
      case '/metrics': {
        const body = await options.metrics.render();
        res.writeHead(200, { 'content-type': options.metrics.contentType });
        res.end(body);
        return;
      }
      case '/api/status':
        if (!authorised(options.adminToken, req, res)) return;
        return sendJson(res, 200, statusBody(options));
      case '/api/dashboard': {
        // Public: counts for anyone, names only with the admin token; a token that is sent must be
        // right (401), so the page can tell the operator. Not public: the token is needed for both.
        const names = !publicDashboard || bearerToken(req) !== null;
        if (names && !authorised(options.adminToken, req, res)) return;
        return sendJson(res, 200, dashboardBody(dashboard, { names }), { 'cache-control': 'no-store' });
      }
      default: {
        const asset = assets.get(path);
        if (asset) return serveAsset(req, res, asset, DASHBOARD_CSP);
        return sendJson(res, 404, { error: 'not_found' });
      }
    }
  };

  return createHttpListener({
    name: 'operator',
    port: options.port,
    settings: options.settings,
    onRequest: (req, res) => {
      route(req, res).catch((err: unknown) => {
        options.log.error({ err }, 'operator request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.destroy();
      });
    },
  });
}

/** The dashboard loads only its own files and talks only to its own origin. */
const DASHBOARD_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/** The admin API's `GET /api/status` body. */
export function statusBody(options: Pick<OperatorOptions, 'hub' | 'dialects' | 'startedAt'>) {
  const hub = options.hub.stats();
  return {
    ok: hub.broker.ok,
    uptime_ms: Date.now() - options.startedAt,
    broker: hub.broker,
    hub: hubSummary(hub),
    channels: hub.channels,
    dialects: Object.fromEntries(options.dialects.map((d) => [d.name, d.stats()])),
  };
}
