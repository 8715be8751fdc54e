/**
 * Pure decoding of Spectra payloads (notes §4.2: every payload is a JSON string passed as the
 * single emit argument). We accept strings, Buffers and plain objects (decision "spectra": the
 * original only parses strings), and always emit strings. Every decoded value is bounded in depth
 * and size (`server.jsonMaxDepth` / `jsonMaxNodes`, src/util/json-bounds.ts) before it is used.
 */
import { checkJsonBounds, DEFAULT_JSON_BOUNDS, parseBoundedJson, type JsonBounds } from '../../util/json-bounds.js';

/** Longest identifier-like string kept (names, codes, ids); longer ones are cut, never trusted. */
const MAX_TEXT = 256;

export type Obj = Record<string, unknown>;

/**
 * A payload checked against the JSON bounds: `value` is the object, or null when it is not JSON of
 * an object (the original logs and ignores it); `ok: false` when it breaks the bounds (issue 20).
 */
export type CheckedPayload = { readonly ok: true; readonly value: Obj | null } | { readonly ok: false; readonly reason: string };

/**
 * Decodes a payload and bounds it. Socket.IO hands over already-parsed objects too, so the value is
 * checked, not only the string: a 6 KB `obs_logon` nested 3,000 deep would otherwise be stored and
 * overflow the stack in the next `JSON.stringify` of the match state, inside a timer (issue 20 item 1).
 */
export function decodeCheckedPayload(raw: unknown, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): CheckedPayload {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
    } catch {
      return { ok: true, value: null };
    }
  }
  if (!isObj(value)) return { ok: true, value: null };
  const check = checkJsonBounds(value, bounds);
  return check.ok ? { ok: true, value } : check;
}

/** The payload as an object, or null when it is not JSON of an object or breaks the bounds. */
export function decodePayload(raw: unknown, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): Obj | null {
  const checked = decodeCheckedPayload(raw, bounds);
  return checked.ok ? checked.value : null;
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

/**
 * `aux_scoreboard_team` data: a JSON string of an array of scoreboard entries (notes §4.3), at most
 * 10. The string is a second JSON document inside a payload already bounded, so it is bounded too.
 */
export function decodeArray(raw: unknown, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): Obj[] {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = parseBoundedJson(raw, bounds);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(value)) return [];
  return value.slice(0, 10).filter(isObj);
}
