/**
 * One producer connection, whichever side dialled (notes §1.3 "Upstream ingest"): the producer
 * sends MatchInit / StateFrame / Event JSON, one per frame (NDJSON tolerated). Frames route to
 * the match of the last `match.init` on the connection, or to `?match_id=` before any init.
 * Every message is validated; an invalid one is answered with `x_error invalid_message` to this
 * producer only and never forwarded.
 */
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../core/index.js';
import { StreamHubError } from '../../errors.js';
import { encodeError, MatchClose, splitIngestFrame } from './codec.js';
import { parseSpecMessage, type SpecMessage } from './spec.js';

export interface IngestConnectionOptions {
  readonly ws: WebSocket;
  readonly log: Logger;
  /** The match frames go to before the first `match.init` (`?match_id=`), or null. */
  readonly initialMatchId: string | null;
  /** Most publishes waiting for the broker; past it the producer is closed 1013 (bounded memory). */
  readonly maxInflight: number;
  /** Most answer bytes buffered towards a producer that does not read them. */
  readonly replyBufferBytes: number;
  /** Publishes one validated message; rejects when the broker refuses it. */
  readonly publish: (matchId: string, message: SpecMessage) => Promise<void>;
  readonly onGone: (connection: IngestConnection) => void;
}

const connections = new WeakMap<WebSocket, IngestConnection>();

function wsOnMessage(this: WebSocket, data: RawData): void {
  connections.get(this)?.receive(data);
}

/** Protocol errors (e.g. a frame over maxFrameBytes, closed 1009 by `ws`) land here instead of throwing. */
function wsOnError(this: WebSocket, err: Error): void {
  connections.get(this)?.failed(err);
}

function wsOnClose(this: WebSocket): void {
  connections.get(this)?.gone();
}

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export class IngestConnection {
  readonly #o: IngestConnectionOptions;
  #matchId: string | null;
  #inflight = 0;
  #gone = false;
  accepted = 0;
  rejected = 0;

  constructor(options: IngestConnectionOptions) {
    this.#o = options;
    this.#matchId = options.initialMatchId;
    connections.set(options.ws, this);
    options.ws.on('message', wsOnMessage);
    options.ws.on('error', wsOnError);
    options.ws.once('close', wsOnClose);
  }

  /** The match this connection currently feeds. */
  get matchId(): string | null {
    return this.#matchId;
  }

  get open(): boolean {
    return !this.#gone;
  }

  /** One producer frame; publishes are started in frame order, so offsets keep the producer's order. */
  receive(data: RawData): void {
    if (this.#gone) return;
    for (const item of splitIngestFrame(textOf(data))) {
      if (!item.ok) {
        this.#reject(item.error);
        continue;
      }
      const parsed = parseSpecMessage(item.value);
      if (!parsed.ok) {
        this.#reject(parsed.error);
        continue;
      }
      const message = parsed.message;
      if (message.type === 'match.init') this.#matchId = message.match_id;
      const matchId = this.#matchId;
      if (matchId === null) {
        this.#reject('no match.init on this connection yet (send one, or connect with ?match_id=)');
        continue;
      }
      if (this.#inflight >= this.#o.maxInflight) {
        this.close(MatchClose.ingestOverloaded.code, MatchClose.ingestOverloaded.reason);
        return;
      }
      this.#inflight += 1;
      this.accepted += 1;
      this.#o.publish(matchId, message).then(
        () => {
          this.#inflight -= 1;
        },
        (err: unknown) => {
          this.#inflight -= 1;
          if (err instanceof StreamHubError && err.code === 'ERR_INVALID_MESSAGE') return this.#reject(err.message);
          this.#o.log.warn({ err: String(err), matchId }, 'match ingest publish failed');
          this.#reply(encodeError('publish_failed', String((err as Error)?.message ?? err).slice(0, 200)));
        },
      );
    }
  }

  failed(err: Error): void {
    this.#o.log.debug({ err: err.message }, 'match ingest socket error');
  }

  terminate(): void {
    this.#o.ws.terminate();
  }

  close(code: number, reason: string): void {
    const ws = this.#o.ws;
    if (ws.readyState === 0) ws.terminate();
    else if (ws.readyState === 1) ws.close(code, reason);
  }

  /** The socket is closed. Idempotent. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#o.onGone(this);
  }

  #reject(detail: string): void {
    this.rejected += 1;
    this.#reply(encodeError('invalid_message', detail));
  }

  /** Answers the producer; a producer that does not read its answers gets no more once `replyBufferBytes` are pending. */
  #reply(frame: string): void {
    const ws = this.#o.ws;
    if (ws.readyState === 1 && ws.bufferedAmount < this.#o.replyBufferBytes) ws.send(frame);
  }
}
