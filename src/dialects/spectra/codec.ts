/**
 * Pure decoding of Spectra payloads (notes §4.2: every payload is a JSON string passed as the
 * single emit argument). We accept strings, Buffers and plain objects (decision "spectra": the
 * original only parses strings), and always emit strings.
 */

/** Longest identifier-like string kept (names, codes, ids); longer ones are cut, never trusted. */
export const MAX_TEXT = 256;

export type Obj = Record<string, unknown>;

/** The payload as an object, or null when it is not JSON of an object (the original logs and ignores it). */
export function decodePayload(raw: unknown): Obj | null {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
    } catch {
      return null;
    }
  }
  return isObj(value) ? value : null;
}

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field, cut to `max` characters; `fallback` when not a string. */
export function text(value: unknown, fallback = '', max = MAX_TEXT): string {
  return typeof value === 'string' ? value.slice(0, max) : fallback;
}

/** A finite number field; `fallback` otherwise. */
export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function bool(value: unknown, fallback = false): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

export function obj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

/** An array field, cut to `max` entries. */
export function list(value: unknown, max = 64): unknown[] {
  return Array.isArray(value) ? value.slice(0, max) : [];
}

/** True when a value is "present" the way the original's truthiness check means it (notes §4.3 obs_data). */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false && value !== 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON string → bytes for the hub (encoded once per state change). */
export function toBytes(json: string): Uint8Array {
  return encoder.encode(json);
}

/** Hub bytes → the string emitted as `match_data` (decoded once per message, not per socket). */
export function fromBytes(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** `aux_scoreboard_team` data: a JSON string of an array of scoreboard entries (notes §4.3), at most 10. */
export function decodeArray(raw: unknown): Obj[] {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(value)) return [];
  return value.slice(0, 10).filter(isObj);
}
