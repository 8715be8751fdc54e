/**
 * What the application receives for each publication, decoded from a `pub` frame
 * (PROTOCOL.md §7): the JSON value, or the bytes of a binary payload, with the position.
 */
import { base64ToBytes } from './payload.js';
import type { PublicationKind, PubFrame } from './protocol.js';

export interface Publication {
  readonly channel: string;
  readonly offset: number;
  readonly epoch: string;
  /** `data` for ordinary publications; `snapshot` is what a newcomer gets first; `reset` clears the channel. */
  readonly kind: PublicationKind;
  /** The JSON value; undefined for a binary payload. */
  readonly data: unknown;
  /** The payload bytes of a binary (`b64`) publication. */
  readonly bytes?: Uint8Array;
  /** True when it came with `subscribed` (the recovery or the newcomer's state), false when live. */
  readonly replayed: boolean;
}

/** A publication without delta (history entries, and every pub of a plain subscription). */
export function decodePublication(frame: PubFrame, replayed: boolean): Publication {
  const base = { channel: frame.channel, offset: frame.offset, epoch: frame.epoch, kind: frame.kind ?? 'data', replayed };
  if (typeof frame.b64 === 'string') return { ...base, data: undefined, bytes: base64ToBytes(frame.b64) };
  if (typeof frame.json === 'string') return { ...base, data: JSON.parse(frame.json) };
  return { ...base, data: frame.data };
}
