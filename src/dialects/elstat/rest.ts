/**
 * The HTTP side of the elstat listener: the status page at `/`, the status endpoints next to
 * the stream (notes §5.3 "REST endpoints next to the stream") and the incident API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../net/http-reply.js';
import type { Prober } from './prober.js';
import type { IncidentsApi } from './incidents-api.js';

export interface RestOptions {
  readonly prober: Prober;
  readonly incidents: IncidentsApi;
  /** The status page HTML, read once at start. */
  readonly statusPage: string;
}

/** GET endpoints are read-only and public, so any origin may read them (the original front end was a separate site). */
const PUBLIC = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };

/** Builds the listener's request handler. It never throws: a failure answers 500 on that request only. */
export function createRestHandler(options: RestOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { prober, incidents } = options;
  const page = Buffer.from(options.statusPage, 'utf8');

  function currentStatus(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { service, history } of prober.services()) {
      const latest = history.latest;
      out[service.name] = { description: service.description, status: latest?.status ?? null, latency: latest?.latency ?? null };
    }
    return out;
  }

  function fullStatus(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { service, history } of prober.services()) {
      const latest = history.latest;
      out[service.name] = {
        description: service.description,
        adapter: service.adapter,
        status: latest?.status ?? null,
        latency: latest?.latency ?? null,
        last_check: latest?.time ?? null,
        detail: latest?.detail ?? null,
        uptime: history.uptime(),
        graph: history.latencyGraph(),
      };
    }
    return out;
  }

  return function restOnRequest(req, res) {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    try {
      if (path === '/' || path === '/index.html') {
        if (method !== 'GET' && method !== 'HEAD') return notAllowed(res, 'GET, HEAD');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length, 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : page);
        return;
      }
      if (path === '/api/status' || path === '/api/current_status') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        sendJson(res, 200, path === '/api/status' ? fullStatus() : currentStatus(), PUBLIC);
        return;
      }
      if (path === '/api/incidents' || path.startsWith('/api/incidents/')) {
        incidents.handle(req, res, path, method).catch((err: Error) => internalError(res, err));
        return;
      }
      sendJson(res, 404, { error: 'not_found' });
    } catch (err) {
      internalError(res, err as Error);
    }
  };
}

export function notAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: 'method_not_allowed' }, { allow });
}

function internalError(res: ServerResponse, _err: Error): void {
  if (!res.headersSent) sendJson(res, 500, { error: 'internal' });
  else res.destroy();
}
