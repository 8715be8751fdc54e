/**
 * The incident REST API (notes §5.3, [unverified] routes of the original's incidents blueprint).
 * Reads are public; writes need the incidents token. Every change is broadcast to every
 * streaming client as op 4 (new), 5 (update) or 6 (close).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../core/index.js';
import { DEFAULT_JSON_BOUNDS, JsonBoundsError, parseBoundedJson, type JsonBounds } from '../../util/json-bounds.js';
import { bearerToken, readBody, safeEqual, sendJson } from '../../net/http-reply.js';
import { Op } from './codec.js';
import { CONTENT_MAX, TITLE_MAX, parseIncidentFields, type Incident, type IncidentStore } from './incidents.js';
import { notAllowed } from './rest.js';

export type IncidentOp = typeof Op.incidentNew | typeof Op.incidentUpdate | typeof Op.incidentClose;

export interface IncidentsApiOptions {
  readonly store: IncidentStore;
  readonly clock: Clock;
  /** Null: every write answers 503 incidents_disabled. */
  readonly token: string | null;
  readonly maxBodyBytes: number;
  /** Depth/size bounds of a request body (server.jsonMaxDepth / jsonMaxNodes); past them: 400 invalid_body. */
  readonly jsonBounds?: JsonBounds;
  readonly pageSize: number;
  /** Sends the op to every streaming client. */
  readonly broadcast: (op: IncidentOp, incident: Incident) => void;
}

export interface IncidentsApi {
  /** Answers one request under /api/incidents; rejects only on a bug (the caller answers 500). */
  handle(req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<void>;
}

const PUBLIC = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };

/** Builds the API over a store. */
export function createIncidentsApi(options: IncidentsApiOptions): IncidentsApi {
  const { store, clock, broadcast } = options;

  /** The original took the token in `Authorization` as is; `Bearer <token>` is accepted too. Compared in constant time. */
  function authorised(req: IncomingMessage, res: ServerResponse): boolean {
    if (options.token === null) {
      sendJson(res, 503, { error: 'incidents_disabled' });
      return false;
    }
    const given = bearerToken(req) ?? req.headers.authorization?.trim() ?? '';
    if (!given || !safeEqual(given, options.token)) {
      sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer' });
      return false;
    }
    return true;
  }

  async function body(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    // A declared length past the bound is answered before reading; a chunked body past it has its connection cut by readBody.
    if (Number(req.headers['content-length'] ?? 0) > options.maxBodyBytes) {
      sendJson(res, 413, { error: 'body_too_large' }, { connection: 'close' });
      req.resume();
      return undefined;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, options.maxBodyBytes);
    } catch (err) {
      const status = (err as { status?: number }).status === 413 ? 413 : 400;
      if (!res.headersSent) sendJson(res, status, { error: status === 413 ? 'body_too_large' : 'bad_request' }, { connection: 'close' });
      return undefined;
    }
    try {
      // Bounded before anything is stored or broadcast (issue 20).
      return parseBoundedJson(raw.toString('utf8'), options.jsonBounds ?? DEFAULT_JSON_BOUNDS);
    } catch (err) {
      sendJson(res, 400, { error: 'invalid_body', message: err instanceof JsonBoundsError ? `the body is refused: ${err.message}` : 'the body is not JSON' });
      return undefined;
    }
  }

  function reply(res: ServerResponse, status: number, incident: Incident | null, op: IncidentOp): void {
    if (!incident) return sendJson(res, 404, { error: 'not_found' });
    broadcast(op, incident);
    sendJson(res, status, incident);
  }

  return {
    async handle(req, res, path, method) {
      const parts = path.split('/').filter(Boolean).slice(2); // after "api", "incidents"
      if (parts.length === 0) {
        if (method === 'GET') return sendJson(res, 200, { incidents: store.list() }, PUBLIC);
        if (method !== 'PUT' && method !== 'POST') return notAllowed(res, 'GET, PUT, POST');
        if (!authorised(req, res)) return;
        const input = await body(req, res);
        if (input === undefined) return;
        const fields = parseIncidentFields(input, true);
        if (typeof fields === 'string') return sendJson(res, 400, { error: 'invalid_body', message: fields });
        return reply(res, 201, store.open(fields, clock.now()), Op.incidentNew);
      }
      if (parts.length === 1 && parts[0] === 'current') {
        if (method !== 'GET') return notAllowed(res, 'GET');
        return sendJson(res, 200, { incident: store.current() }, PUBLIC);
      }
      const id = /^\d{1,9}$/.test(parts[0]!) ? Number(parts[0]) : null;
      if (id === null || parts.length > 2) return sendJson(res, 404, { error: 'not_found' });
      if (parts.length === 1 && method === 'GET') {
        // GET /api/incidents/<page>: a page of the list, newest first.
        const start = id * options.pageSize;
        return sendJson(res, 200, { page: id, incidents: store.list().slice(start, start + options.pageSize) }, PUBLIC);
      }
      if (parts.length === 1) {
        if (method !== 'PATCH') return notAllowed(res, 'GET, PATCH');
        if (!authorised(req, res)) return;
        const input = await body(req, res);
        if (input === undefined) return;
        const fields = parseIncidentFields(input, false);
        if (typeof fields === 'string') return sendJson(res, 400, { error: 'invalid_body', message: fields });
        const ongoing = (input as { ongoing?: unknown }).ongoing;
        if (ongoing !== undefined && ongoing !== false && ongoing !== true) return sendJson(res, 400, { error: 'invalid_body', message: 'ongoing must be a boolean' });
        const updated = store.update(id, fields);
        if (updated && ongoing === false) return reply(res, 200, store.close(id, clock.now()), Op.incidentClose);
        return reply(res, 200, updated, Op.incidentUpdate);
      }
      if (method !== 'POST') return notAllowed(res, 'POST');
      if (parts[1] === 'close') {
        if (!authorised(req, res)) return;
        return reply(res, 200, store.close(id, clock.now()), Op.incidentClose);
      }
      if (parts[1] !== 'stages') return sendJson(res, 404, { error: 'not_found' });
      if (!authorised(req, res)) return;
      const input = await body(req, res);
      if (input === undefined) return;
      const { title, content } = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
      if (typeof title !== 'string' || title.trim() === '' || title.length > TITLE_MAX || (content !== undefined && (typeof content !== 'string' || content.length > CONTENT_MAX))) {
        return sendJson(res, 400, { error: 'invalid_body', message: `a stage needs a title (at most ${TITLE_MAX} characters) and optional content (at most ${CONTENT_MAX})` });
      }
      return reply(res, 201, store.addStage(id, { title, content: (content as string | undefined) ?? '' }, clock.now()), Op.incidentUpdate);
    },
  };
}
