/**
 * `POST /api/publish` {channel, data, encoding?, idempotency_key?}: the HTTP publish API of the operator listener
 * (what Centrifugo and nchan users expect). `channel` is `<dialect>:<name>`. A dialect that
 * supplies a publisher gets `(name, data)` and applies its own validation and retention (the match
 * dialect's spec checks, for example); for the others the payload goes to the hub with the
 * `operator.publishRetention` policy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIdempotencyKey, type Hub, type Logger, type RetentionPolicy } from '../core/index.js';
import { sendJson } from '../net/http-reply.js';
import { readBody } from '../net/http-reply.js';
import { ErrorCode, StreamHubError } from '../errors.js';
import { checkJsonBounds, DEFAULT_JSON_BOUNDS, type JsonBounds } from '../util/json-bounds.js';
import type { LogThrottle } from '../util/log-throttle.js';
import type { RequestBudget, RequestPermit } from '../net/request-budget.js';
import type { Publisher } from '../dialects/types.js';

/**
 * A dialect's validated publish (`DialectModule.publisher`): `data` to the dialect's channel `name`
 * (without the `<dialect>:` prefix), resolving with its position. One that resolves with nothing
 * gets the channel's top position read right after it, which is the message's own unless another
 * publish raced it.
 */
export type { Publisher } from '../dialects/types.js';

/**
 * `idempotency_key` (issue 15 item 3, as Centrifugo's publish API): the client's id of the message.
 * A repeat inside the broker's window (server.idempotencyWindowMs, 5 min) answers the original
 * position with `"duplicate": true` and publishes nothing, so a client may retry a request whose
 * answer it never got.
 */
export interface PublishKey {
  readonly idempotencyKey?: string;
}

export interface PublishApiOptions {
  readonly hub: Hub;
  /** Dialects that are running; a channel of any other dialect answers 404. */
  readonly dialectNames: readonly string[];
  readonly publishers: Readonly<Record<string, Publisher>>;
  readonly retention: RetentionPolicy;
  readonly maxBytes: number;
  /** Depth/size bounds of the body (server.jsonMaxDepth / jsonMaxNodes); past them: 400 `json_out_of_bounds`. */
  readonly jsonBounds?: JsonBounds;
  readonly log: Logger;
  /**
   * Refusals past the JSON bounds and failures (500) can come per request from one client: each
   * kind is logged once, then counted (issue 20 item 4: a full stack per request before).
   */
  readonly logThrottle: LogThrottle;
  /**
   * The node's budget of publishes in progress (`operator.publishInflight`, issue 15 item 2): a
   * request over it waits, its body unread, then gets 503 `busy` with `Retry-After`.
   */
  readonly budget?: RequestBudget;
}

/** `<dialect>:<name>`, printable, bounded (a channel name is a map key in the broker). */
const CHANNEL_RE = /^([a-z][a-z0-9_-]{0,31}):([\x21-\x7e]{1,480})$/;
const ENCODINGS = ['json', 'text', 'base64'] as const;
type Encoding = (typeof ENCODINGS)[number];

class Refusal extends StreamHubError {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(ErrorCode.publishRefused, message);
  }
}

export async function handlePublish(options: PublishApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const permit = await admit(options, req, res);
  if (permit === null) return;
  try {
    await publishOne(options, req, res);
  } finally {
    permit.release();
  }
}

/**
 * Waits for room in the node's publish budget before the body is read (so a waiting body stays in
 * the kernel and TCP slows its sender). Null: refused with 503 `busy` and `Retry-After`.
 */
async function admit(options: PublishApiOptions, req: IncomingMessage, res: ServerResponse): Promise<RequestPermit | null> {
  const budget = options.budget;
  if (!budget) return { release: () => undefined };
  const permit = await budget.acquireRequest(req, options.maxBytes);
  if (permit !== null) return permit;
  // The body is not read: the connection cannot be reused (RFC 9112 §9.3), so it is closed.
  res.setHeader('connection', 'close');
  sendJson(res, 503, { error: 'busy', message: 'too many publishes in progress on this node; retry later' }, { 'retry-after': String(budget.retryAfterSeconds) });
  return null;
}

async function publishOne(options: PublishApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const { dialect, name, data, encoding, key } = await parseRequest(options, req);
    if (!options.hub.broker.health().ok) throw new Refusal(503, 'broker_unavailable', 'the broker is not healthy; retry later');
    const publisher = options.publishers[dialect];
    const channel = `${dialect}:${name}`;
    const position: { offset: number | null; epoch: string | null; duplicate?: boolean } = publisher
      ? ((await publisher(name, data, key)) ?? (await options.hub.history(channel, { limit: 0 })).top ?? { offset: null, epoch: null })
      : await publishRaw(options, channel, data, encoding, key);
    sendJson(res, 200, { channel, offset: position.offset, epoch: position.epoch, ...(position.duplicate ? { duplicate: true } : {}) });
  } catch (err) {
    const { status, error, message } = classify(err);
    if (status >= 500 && status !== 503) options.logThrottle.error(`publish:${status}:${message}`, { err }, 'publish failed');
    else if (error === 'json_out_of_bounds') options.logThrottle.warn(`publish:${error}`, { reason: message }, 'publish refused: JSON past the bounds');
    if (status === 413) res.setHeader('connection', 'close');
    sendJson(res, status, { error, message });
  }
}

async function parseRequest(options: PublishApiOptions, req: IncomingMessage) {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBytes) throw new Refusal(413, 'payload_too_large', `the body is limited to ${options.maxBytes} bytes`);
  const raw = await readBody(req, options.maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Refusal(400, 'invalid_json', 'the body must be a JSON object {channel, data}');
  }
  // Before anything else touches it: `data` is re-encoded with the recursive JSON.stringify, which
  // threw RangeError (a 500 and a stack per request) on a body nested thousands deep (issue 20).
  const bounds = checkJsonBounds(body, options.jsonBounds ?? DEFAULT_JSON_BOUNDS);
  if (!bounds.ok) throw new Refusal(400, 'json_out_of_bounds', `the body is refused: ${bounds.reason}`);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Refusal(400, 'invalid_body', 'the body must be a JSON object {channel, data}');
  const { channel, data, encoding = 'json', idempotency_key: key } = body as { channel?: unknown; data?: unknown; encoding?: unknown; idempotency_key?: unknown };
  if (typeof channel !== 'string') throw new Refusal(400, 'invalid_channel', '"channel" must be a string "<dialect>:<name>"');
  const match = CHANNEL_RE.exec(channel);
  if (!match) throw new Refusal(400, 'invalid_channel', '"channel" must be "<dialect>:<name>" (printable ASCII, no spaces, at most 512 characters)');
  if (data === undefined) throw new Refusal(400, 'missing_data', '"data" is required');
  if (!ENCODINGS.includes(encoding as Encoding)) throw new Refusal(400, 'invalid_encoding', `"encoding" must be one of ${ENCODINGS.join(', ')}`);
  const dialect = match[1]!;
  if (!options.dialectNames.includes(dialect)) throw new Refusal(404, 'unknown_dialect', `no running dialect "${dialect}"`);
  if (key !== undefined && !isIdempotencyKey(key)) {
    throw new Refusal(400, 'invalid_idempotency_key', '"idempotency_key" must be 1-128 printable ASCII characters');
  }
  const publishKey: PublishKey = key === undefined ? {} : { idempotencyKey: key };
  return { dialect, name: match[2]!, data, encoding: encoding as Encoding, key: publishKey };
}

/** The hub path: `json` sends JSON.stringify(data), `text` the string's UTF-8, `base64` the decoded bytes. */
async function publishRaw(options: PublishApiOptions, channel: string, data: unknown, encoding: Encoding, key: PublishKey) {
  let payload: Uint8Array;
  if (encoding === 'json') payload = Buffer.from(JSON.stringify(data), 'utf8');
  else if (typeof data !== 'string') throw new Refusal(400, 'invalid_data', `"data" must be a string with encoding ${encoding}`);
  else if (encoding === 'text') payload = Buffer.from(data, 'utf8');
  else {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new Refusal(400, 'invalid_data', '"data" is not valid base64');
    payload = Buffer.from(data, 'base64');
  }
  const msg = await options.hub.publish(channel, payload, { retention: options.retention, ...key });
  return msg.duplicate ? { offset: msg.offset, epoch: msg.epoch, duplicate: true } : { offset: msg.offset, epoch: msg.epoch };
}

function classify(err: unknown): { status: number; error: string; message: string } {
  if (err instanceof Refusal) return { status: err.status, error: err.error, message: err.message };
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message.slice(0, 300) : 'publish failed';
  if (e?.status === 413) return { status: 413, error: 'payload_too_large', message };
  if (err instanceof StreamHubError) {
    switch (err.code) {
      case ErrorCode.invalidMessage:
        return { status: 400, error: 'invalid_message', message };
      case ErrorCode.notFound:
        return { status: 404, error: 'not_found', message };
      case ErrorCode.forbidden:
        return { status: 403, error: 'forbidden', message };
      case ErrorCode.broker:
      case ErrorCode.capacity:
        return { status: 503, error: 'unavailable', message };
      default:
        break;
    }
  }
  // A publisher may signal a refusal with an HTTP status of its own (400–599).
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 600) return { status: e.status, error: 'publish_refused', message };
  return { status: 500, error: 'internal_error', message: 'publish failed' };
}
