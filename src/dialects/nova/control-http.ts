import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/index.js';
import { DEFAULT_JSON_BOUNDS, JsonBoundsError, parseBoundedJson, type JsonBounds } from '../../util/json-bounds.js';
import { bearerToken, readBody, safeEqual, sendJson } from '../../net/http-reply.js';
import type { RequestBudget } from '../../net/request-budget.js';
import { UUID_RE } from './codec.js';
import { NovaControlError, type NovaControl, type StreamInfo } from './control.js';

export interface ControlHttpOptions {
  readonly control: NovaControl;
  /** NOVA_CONTROL_TOKEN; null answers 503 on every control route. */
  readonly controlToken: string | null;
  readonly maxBodyBytes: number;
  /** Depth/size bounds of a request body (server.jsonMaxDepth / jsonMaxNodes); past them: 400 INVALID_REQUEST. */
  readonly jsonBounds?: JsonBounds;
  readonly log: Logger;
  /** Mints a demo viewer token, or null when demo auth is not active (then the route is 404). */
  readonly demoToken: (viewerId: string) => Promise<string | null>;
  readonly demoStreamId: string;
  /**
   * The node's budget of control `POST`s in progress (`nova.controlInflight`, issue 15 item 2):
   * one over it waits, its body unread, then gets 503 `BUSY` with `Retry-After`.
   */
  readonly budget?: RequestBudget;
}

const CONTROL_RE = /^\/api\/v1\/streams\/([^/]+)(?:\/(start|end|quality|bitrate|error))?$/;
const STATUS_OF = { invalid: 400, not_found: 404, conflict: 409, capacity: 503 } as const;

/**
 * The stream control HTTP API (issue #3), on the dialect's port:
 * `POST /api/v1/streams/<id>/{start|end|quality|bitrate|error}` and `GET /api/v1/streams/<id>`,
 * with `Authorization: Bearer <NOVA_CONTROL_TOKEN>`; plus `GET /api/v1/demo/token` in demo mode.
 * Answers JSON: `{stream}` or `{error_code, error_message}`.
 */
export function createControlHandler(options: ControlHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      options.log.error({ err: (err as Error).message }, 'nova control request failed');
      if (!res.headersSent) reply(res, 500, 'SERVER_ERROR', 'internal error');
      else res.destroy();
    });
  };
}

async function handle(options: ControlHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The request-target is origin-form [RFC 9112 §3.2.1]: `//` or `//host/…` must not be read as an authority.
  const target = req.url ?? '/';
  const url = new URL(`http://nova.invalid${target.startsWith('/') ? target : '/'}`);
  if (url.pathname === '/api/v1/demo/token' && req.method === 'GET') {
    const viewerId = (url.searchParams.get('viewer_id') ?? `demo-viewer-${Math.random().toString(36).slice(2, 10)}`).slice(0, 128);
    const token = await options.demoToken(viewerId);
    if (!token) return reply(res, 404, 'NOT_FOUND', 'demo tokens are only issued when demo auth is active');
    return sendJson(res, 200, {
      token,
      viewer_id: viewerId,
      stream_id: options.demoStreamId,
      ws_path: `/api/v1/streams/${options.demoStreamId}/ws?token=${token}`,
    });
  }
  const match = CONTROL_RE.exec(url.pathname);
  if (!match) return reply(res, 404, 'NOT_FOUND', 'no such route');
  if (options.controlToken === null) return reply(res, 503, 'CONTROL_DISABLED', 'the control API needs NOVA_CONTROL_TOKEN');
  const given = bearerToken(req);
  if (given === null || !safeEqual(given, options.controlToken)) {
    return reply(res, 401, 'UNAUTHORIZED', 'a valid control token is required', { 'www-authenticate': 'Bearer' });
  }
  // A malformed percent-encoding (`%E0%A4%A`) is the client's error, not the server's (issue 20 item 4).
  const streamId = safeDecode(match[1]!)?.toLowerCase();
  if (streamId === undefined) return reply(res, 400, 'INVALID_REQUEST', 'the stream id is not valid percent-encoding');
  if (!UUID_RE.test(streamId)) return reply(res, 404, 'STREAM_NOT_FOUND', 'stream ids are UUIDs');
  const action = match[2];
  if (!action) {
    if (req.method !== 'GET') return reply(res, 405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET' });
    const info = await options.control.lookup(streamId);
    return info ? sendJson(res, 200, { stream: info }) : reply(res, 404, 'STREAM_NOT_FOUND', 'unknown stream');
  }
  if (req.method !== 'POST') return reply(res, 405, 'METHOD_NOT_ALLOWED', 'use POST', { allow: 'POST' });
  const permit = await admit(options, req, res);
  if (permit === null) return;
  try {
    await post(options, req, res, action, streamId);
  } finally {
    permit.release();
  }
}

/**
 * Waits for room in the node's control budget before the body is read (a waiting body stays in the
 * kernel). Null: refused with 503 `BUSY` and `Retry-After` [RFC 9110 §10.2.3].
 */
async function admit(options: ControlHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<{ release(): void } | null> {
  if (!options.budget) return { release: () => undefined };
  const permit = await options.budget.acquireRequest(req, options.maxBodyBytes);
  if (permit !== null) return permit;
  // The unread body makes the connection unusable for another request (RFC 9112 §9.3).
  reply(res, 503, 'BUSY', 'too many control requests in progress on this node; retry later', {
    'retry-after': String(options.budget.retryAfterSeconds),
    connection: 'close',
  });
  return null;
}

/** One control `POST`: body, then the operation. */
async function post(options: ControlHttpOptions, req: IncomingMessage, res: ServerResponse, action: string, streamId: string): Promise<void> {
  let body: unknown = {};
  try {
    const raw = await readBody(req, options.maxBodyBytes);
    // Bounded before anything is stored: stream info is re-encoded in every stream_started (issue 20).
    if (raw.length > 0) body = parseBoundedJson(raw.toString('utf8'), options.jsonBounds ?? DEFAULT_JSON_BOUNDS);
  } catch (err) {
    const status = (err as { status?: number }).status === 413 ? 413 : 400;
    const message = status === 413 ? 'body too large' : err instanceof JsonBoundsError ? `body refused: ${err.message}` : 'body is not JSON';
    return reply(res, status, 'INVALID_REQUEST', message);
  }
  try {
    const info = await run(options.control, action, streamId, body);
    sendJson(res, 200, { stream: info });
  } catch (err) {
    if (!(err instanceof NovaControlError)) throw err;
    reply(res, STATUS_OF[err.reason], err.reason === 'invalid' ? 'INVALID_REQUEST' : err.reason.toUpperCase(), err.message);
  }
}

function run(control: NovaControl, action: string, streamId: string, body: unknown): Promise<StreamInfo> {
  const input = body as never;
  switch (action) {
    case 'start':
      return control.start(streamId, input);
    case 'end':
      return control.end(streamId, input);
    case 'quality':
      return control.changeQuality(streamId, input);
    case 'bitrate':
      return control.updateBitrate(streamId, input);
    default:
      return control.reportError(streamId, input);
  }
}

/** `decodeURIComponent`, or undefined for a malformed percent-encoding (it throws URIError). */
function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error_code: code, error_message: message }, headers);
}
