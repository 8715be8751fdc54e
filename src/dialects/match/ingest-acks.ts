/**
 * Opt-in acknowledgements of the match ingest (issue 15 item 3; PROTOCOL.md §3.3). A producer that
 * asks for them (`?acks=each|cumulative` on /v1/ingest, or an `x_ingest` frame in either ingest
 * mode) gets every message named: its number on the connection (`seq`, 1 for the first message)
 * and its own `x_id`, which is also its idempotency key. Each published message is acknowledged
 * with its `{offset, epoch}` (`each`), or the settled prefix is acknowledged once per tick
 * (`cumulative`); every refusal is an `x_error` naming the message. Producers that do not opt in
 * see exactly the frames they saw before. Pure apart from the `send` and `schedule` callbacks.
 */
import { isIdempotencyKey } from '../../core/index.js';

export type AckMode = 'each' | 'cumulative';

export function isAckMode(value: unknown): value is AckMode {
  return value === 'each' || value === 'cumulative';
}

/** How a producer names one message: its number on the connection and its own id, if it gave one. */
export interface MessageRef {
  readonly seq: number;
  readonly xId?: string;
}

export interface AckedPosition {
  readonly offset: number;
  readonly epoch: string;
  readonly duplicate?: boolean;
}

/** The producer's `x_id`, taken off the message: a key (published without it), absent, or invalid. */
export type TakenId = { ok: true; value: unknown; xId?: string } | { ok: false; error: string };

/**
 * Removes `x_id` from a message object (it names the message to the producer and to the broker's
 * deduplication; renderers never see it). A message without one is returned as it is.
 */
export function takeMessageId(value: unknown): TakenId {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, 'x_id')) return { ok: true, value };
  const { x_id: xId, ...rest } = value as Record<string, unknown>;
  if (!isIdempotencyKey(xId)) return { ok: false, error: 'x_id: expected 1-128 printable ASCII characters' };
  return { ok: true, value: rest, xId };
}

function refFields(ref: MessageRef): { seq: number; x_id?: string } {
  return ref.xId === undefined ? { seq: ref.seq } : { seq: ref.seq, x_id: ref.xId };
}

/** `x_error` naming the message it refers to (opted-in producers only). */
export function encodeNamedError(error: string, detail: string, ref: MessageRef): string {
  return JSON.stringify({ type: 'x_error', error, detail, ...refFields(ref) });
}

/** The answer to an `x_ingest` frame: the mode now in force, and how many messages came before it. */
export function encodeIngestAccepted(mode: AckMode, seq: number): string {
  return JSON.stringify({ type: 'x_ingest', acks: mode, seq });
}

function encodeEachAck(ref: MessageRef, position: AckedPosition): string {
  const frame: Record<string, unknown> = { type: 'x_ack', ...refFields(ref), offset: position.offset, epoch: position.epoch };
  if (position.duplicate) frame.duplicate = true;
  return JSON.stringify(frame);
}

function encodeCumulativeAck(upto: MessageRef, position: AckedPosition | null): string {
  const frame: Record<string, unknown> = { type: 'x_ack', upto: upto.seq };
  if (upto.xId !== undefined) frame.x_id = upto.xId;
  if (position) {
    frame.offset = position.offset;
    frame.epoch = position.epoch;
    if (position.duplicate) frame.duplicate = true;
  }
  return JSON.stringify(frame);
}

interface Pending {
  readonly ref: MessageRef;
  settled: boolean;
  position: AckedPosition | null;
}

/**
 * The acknowledgements of one connection. `cumulative` holds the messages not yet settled in seq
 * order (bounded by the connection's in-flight bound: reading stops past it, PROTOCOL.md §3.1)
 * and acknowledges the settled prefix once per tick.
 */
export class IngestAcks {
  readonly mode: AckMode;
  readonly #send: (frame: string) => void;
  readonly #schedule: (fn: () => void) => void;
  readonly #pending: Pending[] = [];
  #head = 0;
  #last: Pending | null = null;
  #flushScheduled = false;

  constructor(mode: AckMode, send: (frame: string) => void, schedule: (fn: () => void) => void = setImmediate) {
    this.mode = mode;
    this.#send = send;
    this.#schedule = schedule;
  }

  /** A message was read; its publish (or refusal) follows. */
  begin(ref: MessageRef): void {
    if (this.mode === 'cumulative') this.#pending.push({ ref, settled: false, position: null });
  }

  published(ref: MessageRef, position: AckedPosition): void {
    if (this.mode === 'each') return this.#send(encodeEachAck(ref, position));
    this.#settle(ref, position);
  }

  /** The message was answered with an `x_error` (sent by the caller, before this). */
  refused(ref: MessageRef): void {
    if (this.mode === 'cumulative') this.#settle(ref, null);
  }

  #settle(ref: MessageRef, position: AckedPosition | null): void {
    // Settles arrive nearly in order (one broker connection answers in order), so search from the head.
    for (let i = this.#head; i < this.#pending.length; i++) {
      const entry = this.#pending[i]!;
      if (entry.ref.seq !== ref.seq) continue;
      entry.settled = true;
      entry.position = position;
      break;
    }
    let advanced = false;
    while (this.#head < this.#pending.length && this.#pending[this.#head]!.settled) {
      this.#last = this.#pending[this.#head++]!;
      advanced = true;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending.splice(0, this.#head);
      this.#head = 0;
    }
    if (advanced && !this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#schedule(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const last = this.#last;
    if (last) this.#send(encodeCumulativeAck(last.ref, last.position));
  }
}
