/**
 * The CLI's StreamHub-protocol commands, both through the SDK (issue 18: "the CLI's subscribe and
 * publish use it"):
 *
 * - `streamhub subscribe streamhub:<hub channel>` reads any hub channel (`streamhub:match:demo`,
 *   `streamhub:streamhub:chat`), printing each publication's JSON (binary ones as `<binary N bytes>`,
 *   or raw with `--raw`). The SDK reconnects and resumes by position; a close it will not retry ends it.
 * - `streamhub publish streamhub:<name>` publishes into the protocol's own channels (PROTOCOL.md §11),
 *   one publication per message, each with an idempotency key, printing each acknowledged position.
 *
 * Tokens: cli-client.ts.
 */
import { randomUUID } from 'node:crypto';
import { StreamHubError, type Publication, type PublishResult, type StreamHubClient } from '../../../sdk/src/index.js';
import { CliError, Exit, flag, intFlag } from '../../cli/args.js';
import type { CliPublishMessage, CliPublishRequest, CliSubscribeRequest } from '../types.js';
import { createCliClient, type TokenOrigin } from './cli-client.js';

/** A publish gives up after this many failed connection attempts in a row (full-jitter windows 200 ms … 2 s). */
const PUBLISH_BACKOFF = { baseMs: 200, capMs: 2_000, maxAttempts: 6 } as const;
/** Answers worth the same publish again, with the same idempotency key (PROTOCOL.md §11, §14). */
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'timeout']);
/** Retries of one message after a retryable answer, with full-jitter delays up to RETRY_CAP_MS. */
const MAX_RETRIES = 8;
const RETRY_BASE_MS = 100;
const RETRY_CAP_MS = 2_000;
/** §11: an idempotency key is 1–128 printable ASCII characters. */
const KEY_RE = /^[\x21-\x7e]{1,128}$/;

export function subscribeStreamhub(request: CliSubscribeRequest): Promise<void> {
  const { args, target, name, out, signal } = request;
  const count = intFlag(args, 'count');
  const timeoutMs = intFlag(args, 'timeout');
  const { client } = createCliClient(args, target, name, 'subscribe');
  return new Promise<void>((resolve, reject) => {
    let received = 0;
    let done = false;
    const timer = timeoutMs ? setTimeout(() => finish(new CliError(`${received} of ${count ?? 'any'} messages within ${timeoutMs} ms`, Exit.failure)), timeoutMs) : null;
    const onAbort = () => finish(null);
    signal.addEventListener('abort', onAbort, { once: true });
    function finish(err: Error | null) {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      client.disconnect();
      if (err) reject(err);
      else resolve();
    }
    client.on('disconnected', (e) => {
      if (e.reconnect) return out.note(`disconnected (${e.code} ${e.reason}); reconnecting`);
      // PROTOCOL.md §15: 4500–4999 and 1009 are not retried; 4003/4500 mean the token.
      const exit = e.code === 4003 || e.code === 4500 ? Exit.auth : Exit.failure;
      finish(new CliError(`the server closed the connection: ${e.code} ${e.reason}`, exit));
    });
    const subscription = client.subscribe(name);
    subscription.on('continuity-lost', (e) => out.note(`continuity lost on ${name}: ${e.reason}`));
    subscription.on('error', (err) => finish(new CliError(`${name}: ${err.code}: ${err.message}`, err.code === 'permission_denied' || err.code === 'unauthorized' ? Exit.auth : Exit.failure)));
    subscription.on('publication', (p: Publication) => {
      if (p.bytes) {
        if (args.flags.has('raw')) out.raw(Buffer.from(p.bytes));
        else out.line(`<binary ${p.bytes.length} bytes>`);
      } else out.line(JSON.stringify(p.data));
      received += 1;
      if (count !== undefined && received >= count) finish(null);
    });
    client.connect();
  });
}

/** Publishes every message in order, each acknowledged before the next is sent, so positions follow input order. */
export async function publishStreamhub(request: CliPublishRequest): Promise<void> {
  const { channel, args, target, messages, signal } = request;
  const keyBase = flag(args, 'idempotency-key');
  if (keyBase !== undefined && !KEY_RE.test(keyBase)) throw new CliError('--idempotency-key must be 1-128 printable ASCII characters', Exit.usage);
  const { client, url, tokenOrigin } = createCliClient(args, target, channel, 'publish', PUBLISH_BACKOFF);
  if (tokenOrigin === 'none') {
    throw new CliError(`publishing into ${channel} needs a token: --jwt <JWT>, STREAMHUB_TOKEN, or STREAMHUB_JWT_SECRET (the server's HS256 secret) when run beside the server`, Exit.auth);
  }
  // A client that gives up (server gone past the backoff, token refused) ends the command at once,
  // even while it waits for the next line of a `tail -f`.
  const stopInput = new AbortController();
  const link = watchConnection(client, url, tokenOrigin, () => stopInput.abort());
  client.connect();
  try {
    // A line that cannot fit in one frame would only get the connection closed (1009, §15).
    for await (const message of messages(target.config.streamhub.maxFrameBytes, stopInput.signal)) {
      if (signal.aborted) break;
      const key = keyFor(keyBase, message);
      let ack: PublishResult;
      try {
        ack = await publishWithRetries(client, channel, message, key, request.note);
      } catch (err) {
        throw link.explain(err, channel, message, tokenOrigin);
      }
      if (args.flags.has('json')) request.line(JSON.stringify(ack));
      else request.line(`published to ${channel}: offset ${ack.offset}, epoch ${ack.epoch}${ack.duplicate ? ' (duplicate: this idempotency key was already published there)' : ''}`);
    }
    if (stopInput.signal.aborted) throw link.explain(new StreamHubError('closed', 'client gave up'), channel, null, tokenOrigin);
  } finally {
    link.stop();
    client.disconnect();
  }
}

/** `--idempotency-key K`: K for the data argument, `K:<n>` for line n of standard input, so re-running the same input publishes nothing twice. */
function keyFor(base: string | undefined, message: CliPublishMessage): string | undefined {
  if (base === undefined) return undefined;
  const key = message.line === 0 ? base : `${base}:${message.line}`;
  if (!KEY_RE.test(key)) throw new CliError(`the idempotency key of line ${message.line} ("${key}") is longer than 128 characters: shorten --idempotency-key`, Exit.usage);
  return key;
}

async function publishWithRetries(client: StreamHubClient, channel: string, message: CliPublishMessage, key: string | undefined, note: (text: string) => void): Promise<PublishResult> {
  const data = message.encoding === 'base64' ? new Uint8Array(Buffer.from(message.data as string, 'base64')) : message.data;
  // Without --idempotency-key the SDK picks one key per message and keeps it across its own resends.
  const idempotencyKey = key ?? `cli-${randomUUID()}`;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.publish(channel, data, { idempotencyKey });
    } catch (err) {
      if (!(err instanceof StreamHubError) || !RETRYABLE.has(err.code) || attempt >= MAX_RETRIES) throw err;
      const delay = Math.floor(Math.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** attempt));
      note(`${err.code}; publishing again with the same idempotency key in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Remembers why the client gave up, so a failed publish is reported with the real cause and exit code. */
function watchConnection(client: StreamHubClient, url: string, origin: TokenOrigin, onGaveUp: () => void) {
  let connected = false;
  let lastClose: { code: number; reason: string } | null = null;
  let handshakeError: StreamHubError | null = null;
  const offs = [
    client.on('connected', () => (connected = true)),
    client.on('disconnected', (e) => {
      lastClose = { code: e.code, reason: e.reason };
      if (!e.reconnect) onGaveUp();
    }),
    // The connect's own refusal (`unauthorized`) arrives as an error event before the 4500 close.
    client.on('error', (err) => {
      if (err.code === 'unauthorized') handshakeError = err;
    }),
  ];
  return {
    stop: () => offs.forEach((off) => off()),
    explain(err: unknown, channel: string, message: CliPublishMessage | null, tokenOrigin: TokenOrigin): CliError {
      const what = !message?.line ? `publish to ${channel}` : `publish of line ${message.line} to ${channel}`;
      if (!(err instanceof StreamHubError)) return new CliError(`${what} failed: ${(err as Error).message}`, Exit.failure);
      const close = lastClose as { code: number; reason: string } | null;
      if (handshakeError || close?.code === 4500 || close?.code === 4003) {
        return new CliError(`${what} refused: unauthorized: the server refused the token from ${tokenOrigin}${handshakeError ? ` (${(handshakeError as StreamHubError).message})` : ''}`, Exit.auth);
      }
      if ((err.code === 'closed' || err.code === 'disconnected' || err.code === 'not_connected') && close) {
        if (!connected) return new CliError(`${what} failed: cannot connect to ${url} (${origin} token; closed ${close.code}${close.reason ? ` ${close.reason}` : ''})`, Exit.failure);
        const why = close.code === 1009 ? ' (the frame is larger than the server\'s streamhub.maxFrameBytes)' : '';
        return new CliError(`${what} failed: the server closed the connection: ${close.code}${close.reason ? ` ${close.reason}` : ''}${why}`, Exit.failure);
      }
      const exit = err.code === 'permission_denied' ? Exit.auth : err.code === 'bad_request' || err.code === 'bad_channel' ? Exit.usage : Exit.failure;
      const hint = err.code === 'permission_denied' ? ` (the token from ${tokenOrigin} does not grant publish on ${channel})` : '';
      return new CliError(`${what} refused: ${err.code}: ${err.message}${hint}`, exit);
    },
  };
}
