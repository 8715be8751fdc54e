/**
 * `POST /api/publish` {channel, data, encoding?}: the HTTP publish API of the operator listener
 * (what Centrifugo and nchan users expect). `channel` is `<dialect>:<name>`. A dialect that
 * supplies a publisher gets `(name, data)` and applies its own validation and retention (the match
 * dialect's spec checks, for example); for the others the payload goes to the hub with the
 * `operator.publishRetention` policy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub, Logger, RetentionPolicy } from '../core/index.js';
import { sendJson } from '../dialects/shared/http-reply.js';
import { readBody } from '../dialects/shared/http-reply.js';
import { ErrorCode, StreamHubError } from '../errors.js';

/**
 * Publishes `data` to the dialect's channel `name` (without the `<dialect>:` prefix) and resolves
 * with its position. A publisher that resolves with nothing (e.g. `MatchDialect.publish`) gets the
 * channel's top position read right after it, which is the message's own unless another publish
 * raced it.
 */
export type Publisher = (name: string, data: unknown) => Promise<{ offset: number; epoch: string } | void>;

export interface PublishApiOptions {
  readonly hub: Hub;
  /** Dialects that are running; a channel of any other dialect answers 404. */
  readonly dialectNames: readonly string[];
  readonly publishers: Readonly<Record<string, Publisher>>;
  readonly retention: RetentionPolicy;
  readonly maxBytes: number;
  readonly log: Logger;
}

/** `<dialect>:<name>`, printable, bounded (a channel name is a map key in the broker). */
const CHANNEL_RE = /^([a-z][a-z0-9_-]{0,31}):([\x21-\x7e]{1,480})$/;
const ENCODINGS = ['json', 'text', 'base64'] as const;
type Encoding = (typeof ENCODINGS)[number];

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export async function handlePublish(options: PublishApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const { dialect, name, data, encoding } = await parseRequest(options, req);
    if (!options.hub.broker.health().ok) throw new Refusal(503, 'broker_unavailable', 'the broker is not healthy; retry later');
    const publisher = options.publishers[dialect];
    const channel = `${dialect}:${name}`;
    const position = publisher
      ? ((await publisher(name, data)) ?? (await options.hub.history(channel, { limit: 0 })).top ?? { offset: null, epoch: null })
      : await publishRaw(options, channel, data, encoding);
    sendJson(res, 200, { channel, offset: position.offset, epoch: position.epoch });
  } catch (err) {
    const { status, error, message } = classify(err);
    if (status >= 500 && status !== 503) options.log.error({ err }, 'publish failed');
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
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Refusal(400, 'invalid_body', 'the body must be a JSON object {channel, data}');
  const { channel, data, encoding = 'json' } = body as { channel?: unknown; data?: unknown; encoding?: unknown };
  if (typeof channel !== 'string') throw new Refusal(400, 'invalid_channel', '"channel" must be a string "<dialect>:<name>"');
  const match = CHANNEL_RE.exec(channel);
  if (!match) throw new Refusal(400, 'invalid_channel', '"channel" must be "<dialect>:<name>" (printable ASCII, no spaces, at most 512 characters)');
  if (data === undefined) throw new Refusal(400, 'missing_data', '"data" is required');
  if (!ENCODINGS.includes(encoding as Encoding)) throw new Refusal(400, 'invalid_encoding', `"encoding" must be one of ${ENCODINGS.join(', ')}`);
  const dialect = match[1]!;
  if (!options.dialectNames.includes(dialect)) throw new Refusal(404, 'unknown_dialect', `no running dialect "${dialect}"`);
  return { dialect, name: match[2]!, data, encoding: encoding as Encoding };
}

/** The hub path: `json` sends JSON.stringify(data), `text` the string's UTF-8, `base64` the decoded bytes. */
async function publishRaw(options: PublishApiOptions, channel: string, data: unknown, encoding: Encoding) {
  let payload: Uint8Array;
  if (encoding === 'json') payload = Buffer.from(JSON.stringify(data), 'utf8');
  else if (typeof data !== 'string') throw new Refusal(400, 'invalid_data', `"data" must be a string with encoding ${encoding}`);
  else if (encoding === 'text') payload = Buffer.from(data, 'utf8');
  else {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new Refusal(400, 'invalid_data', '"data" is not valid base64');
    payload = Buffer.from(data, 'base64');
  }
  const msg = await options.hub.publish(channel, payload, { retention: options.retention });
  return { offset: msg.offset, epoch: msg.epoch };
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
