/**
 * One producer connection, whichever side dialled (notes §1.3 "Upstream ingest"): the producer
 * sends MatchInit / StateFrame / Event JSON, one per frame (NDJSON tolerated). Frames route to
 * the match of the last `match.init` on the connection, or to `?match_id=` before any init.
 * Every message is validated; an invalid one is answered with `x_error invalid_message` to this
 * producer only and never forwarded. A producer that opts in to acknowledgements gets every
 * message named in its answers (`seq`, `x_id`) and acknowledged (ingest-acks.ts, issue 15 item 3).
 */
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../core/index.js';
import { StreamHubError } from '../../errors.js';
import { encodeError, splitIngestFrame } from './codec.js';
import type { JsonBounds } from '../../util/json-bounds.js';
import { parseSpecMessage, type SpecMessage } from './spec.js';
import { PublishGate, type PublishBudget } from '../shared/publish-gate.js';
import { encodeIngestAccepted, encodeNamedError, IngestAcks, isAckMode, takeMessageId, type AckedPosition, type AckMode, type MessageRef } from './ingest-acks.js';
import { closeWithGrace } from '../shared/lifecycle/index.js';

export interface IngestConnectionOptions {
  readonly ws: WebSocket;
  readonly log: Logger;
  /** The match frames go to before the first `match.init` (`?match_id=`), or null. */
  readonly initialMatchId: string | null;
  /** Bound of this producer's publishes waiting for the broker; over it its socket is not read (backpressure, issue 15 item 2). */
  readonly inflight: PublishBudget;
  /** Most answer bytes buffered towards a producer that does not read them. */
  readonly replyBufferBytes: number;
  /** Depth/size bounds of each JSON value (issue 20); a value past them is answered `x_error invalid_message`. */
  readonly jsonBounds?: JsonBounds;
  /** Acknowledgements asked for before the upgrade (`?acks=`); null: none until an `x_ingest` frame asks. */
  readonly acks?: AckMode | null;
  /** Publishes one validated message (with the producer's `x_id` as idempotency key); rejects when the broker refuses it. */
  readonly publish: (matchId: string, message: SpecMessage, idempotencyKey?: string) => Promise<AckedPosition>;
  readonly onGone: (connection: IngestConnection) => void;
}

const connections = new WeakMap<WebSocket, IngestConnection>();

function wsOnMessage(this: WebSocket, data: RawData): void {
  const connection = connections.get(this);
  try {
    connection?.receive(data);
  } catch (err) {
    // An exception in a socket callback would reach the top level and end the process (issue 20):
    // it ends this producer's connection only.
    connection?.crashed(err);
  }
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

/** A frame's bytes shared by the messages it carries (NDJSON), for the in-flight byte bound. */
function chargePerItem(data: RawData, items: number): number {
  const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength;
  return Math.ceil(bytes / Math.max(1, items));
}

export class IngestConnection {
  readonly #o: IngestConnectionOptions;
  #matchId: string | null;
  readonly #gate: PublishGate;
  #gone = false;
  /** Messages read on this connection so far: the next one's `seq` is this + 1. */
  #seq = 0;
  #acks: IngestAcks | null = null;
  accepted = 0;
  rejected = 0;

  constructor(options: IngestConnectionOptions) {
    this.#o = options;
    this.#matchId = options.initialMatchId;
    this.#gate = new PublishGate(options.inflight, options.ws);
    if (options.acks) this.#startAcks(options.acks);
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
    const items = splitIngestFrame(textOf(data), this.#o.jsonBounds);
    const bytesEach = chargePerItem(data, items.length);
    for (const item of items) {
      if (item.ok && this.#control(item.value)) continue;
      const taken = item.ok && this.#acks ? takeMessageId(item.value) : null;
      const ref = this.#nextRef(taken?.ok ? taken.xId : undefined);
      if (!item.ok) {
        this.#reject(ref, item.error);
        continue;
      }
      if (taken && !taken.ok) {
        this.#reject(ref, taken.error);
        continue;
      }
      const parsed = parseSpecMessage(taken ? taken.value : item.value);
      if (!parsed.ok) {
        this.#reject(ref, parsed.error);
        continue;
      }
      const message = parsed.message;
      if (message.type === 'match.init') this.#matchId = message.match_id;
      const matchId = this.#matchId;
      if (matchId === null) {
        this.#reject(ref, 'no match.init on this connection yet (send one, or connect with ?match_id=)');
        continue;
      }
      this.accepted += 1;
      // Never refused for speed: over the in-flight bound the gate stops reading the socket instead.
      this.#gate.track(bytesEach, this.#o.publish(matchId, message, ref.xId)).then(
        (position) => this.#acks?.published(ref, position),
        (err: unknown) => {
          if (err instanceof StreamHubError && err.code === 'ERR_INVALID_MESSAGE') return this.#reject(ref, err.message);
          this.#o.log.warn({ err: String(err), matchId }, 'match ingest publish failed');
          this.#refuse(ref, 'publish_failed', String((err as Error)?.message ?? err).slice(0, 200));
        },
      );
    }
  }

  /** A defect while handling this producer's frame: logged, and only this connection is closed (1011). */
  crashed(err: unknown): void {
    this.#o.log.error({ err }, 'match ingest: frame handling failed; connection closed');
    this.close(1011, 'internal error');
  }

  failed(err: Error): void {
    this.#o.log.debug({ err: err.message }, 'match ingest socket error');
  }

  terminate(): void {
    this.#o.ws.terminate();
  }

  close(code: number, reason: string): void {
    closeWithGrace(this.#o.ws, { code, reason });
  }

  /** The socket is closed. Idempotent. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#gate.close();
    this.#o.onGone(this);
  }

  #reject(ref: MessageRef, detail: string): void {
    this.rejected += 1;
    this.#refuse(ref, 'invalid_message', detail);
  }

  /**
   * An `x_error` about one message always names it (issue 15 item 3): `seq` (its place among the
   * messages read on this connection) and, for a producer that opted in to acks, its `x_id`. Extra
   * fields on `x_error` are harmless to clients (notes §1, "the doc does not fix the field names").
   */
  #refuse(ref: MessageRef, error: string, detail: string): void {
    this.#reply(encodeNamedError(error, detail, ref));
    this.#acks?.refused(ref);
  }

  #nextRef(xId: string | undefined): MessageRef {
    this.#seq += 1;
    const ref: MessageRef = xId === undefined ? { seq: this.#seq } : { seq: this.#seq, xId };
    this.#acks?.begin(ref);
    return ref;
  }

  /**
   * `{"type":"x_ingest","acks":"each"|"cumulative"}` turns acknowledgements on (either ingest mode;
   * the dial-out producer has no query string to set). True when `value` was that frame.
   */
  #control(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'x_ingest') return false;
    const mode = (value as { acks?: unknown }).acks;
    if (!isAckMode(mode)) {
      this.#reply(encodeError('invalid_message', 'x_ingest: acks must be "each" or "cumulative"'));
      return true;
    }
    if (this.#acks?.mode !== mode) this.#startAcks(mode);
    this.#reply(encodeIngestAccepted(mode, this.#seq));
    return true;
  }

  #startAcks(mode: AckMode): void {
    this.#acks = new IngestAcks(mode, (frame) => this.#reply(frame));
  }

  /** Answers the producer; a producer that does not read its answers gets no more once `replyBufferBytes` are pending. */
  #reply(frame: string): void {
    const ws = this.#o.ws;
    if (ws.readyState === 1 && ws.bufferedAmount < this.#o.replyBufferBytes) ws.send(frame);
  }
}
