/**
 * Stream positions as StreamHub assigns them (DESIGN.md "Position"): offsets rise by exactly 1 per
 * publication within an epoch, and the epoch changes whenever continuity is lost (a restarted memory
 * broker, a Redis flush or failover). A client compares the epoch before trusting an offset.
 */
export interface StreamPosition {
  readonly offset: number;
  readonly epoch: string;
}

/** How a received position relates to the last one seen on the same channel. */
export type Continuity =
  /** The first position seen, or exactly the next offset of the same epoch. */
  | 'next'
  /** Same epoch, offset at or below the last one: already delivered (e.g. replay overlapping live). */
  | 'duplicate'
  /** Same epoch, offsets skipped: publications were lost between the two. */
  | 'gap'
  /** Another epoch: the stream restarted, offsets of the old epoch mean nothing any more. */
  | 'epoch-changed';

/** Classifies `received` against `last` (undefined when nothing was seen yet). */
export function continuity(last: StreamPosition | undefined, received: StreamPosition): Continuity {
  if (!last) return 'next';
  if (received.epoch !== last.epoch) return 'epoch-changed';
  if (received.offset <= last.offset) return 'duplicate';
  return received.offset === last.offset + 1 ? 'next' : 'gap';
}

/** `<epoch>:<offset>`: the SSE `id:` field and `Last-Event-ID` header form. */
export function formatPosition(p: StreamPosition): string {
  return `${p.epoch}:${p.offset}`;
}

/** Inverse of formatPosition; the epoch may itself contain `:` (the offset is after the last one). */
export function parsePosition(text: string): StreamPosition | undefined {
  const at = text.lastIndexOf(':');
  if (at <= 0) return undefined;
  const digits = text.slice(at + 1);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const offset = Number(digits);
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { epoch: text.slice(0, at), offset };
}

/** A plain `{offset, epoch}` from anything that looks like one, or undefined. */
export function asPosition(value: unknown): StreamPosition | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { offset, epoch } = value as { offset?: unknown; epoch?: unknown };
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || typeof epoch !== 'string') return undefined;
  return { offset, epoch };
}
