/**
 * Bounds on JSON values accepted from clients (issue 20): depth and node count, checked by an
 * iterative walk so that a hostile value can never overflow the stack here. `JSON.stringify` and
 * most tree walkers recurse, so a value nested 3,000 deep that `JSON.parse` accepted would throw
 * `RangeError: Maximum call stack size exceeded` later, far from the connection that sent it.
 * Every path that takes JSON from a client checks it with this before anything is stored.
 */
import { ErrorCode, StreamHubError } from '../core/errors.js';

export interface JsonBounds {
  /** Deepest nesting of objects/arrays allowed; a scalar has depth 0, `{}` depth 1. */
  readonly maxDepth: number;
  /** Most values (objects, arrays, scalars, keys not counted) in one document. */
  readonly maxNodes: number;
}

/** Defaults: deeper than any seed's real message (spectra's ToolsData is 5 deep) by a wide margin. */
export const DEFAULT_JSON_BOUNDS: JsonBounds = Object.freeze({ maxDepth: 32, maxNodes: 100_000 });

export type JsonBoundsResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: JsonBoundsResult = Object.freeze({ ok: true });

/** Checks `value` (as produced by `JSON.parse`, or socket.io's parser) against `bounds`. */
export function checkJsonBounds(value: unknown, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): JsonBoundsResult {
  if (value === null || typeof value !== 'object') return OK;
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  let nodes = 0;
  while (stack.length > 0) {
    const node = stack.pop();
    const depth = depths.pop()!;
    nodes += 1;
    if (nodes > bounds.maxNodes) return { ok: false, reason: `more than ${bounds.maxNodes} JSON values` };
    if (node === null || typeof node !== 'object') continue;
    if (depth > bounds.maxDepth) return { ok: false, reason: `JSON nested deeper than ${bounds.maxDepth} levels` };
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(depth + 1);
      } else {
        nodes += 1;
        if (nodes > bounds.maxNodes) return { ok: false, reason: `more than ${bounds.maxNodes} JSON values` };
      }
    }
  }
  return OK;
}

/** Error thrown by `parseBoundedJson` for a document that parses but breaks the bounds. */
export class JsonBoundsError extends StreamHubError {
  constructor(reason: string) {
    super(ErrorCode.jsonBounds, reason);
    this.name = 'JsonBoundsError';
  }
}

/** `JSON.parse` followed by `checkJsonBounds`; throws `SyntaxError` or `JsonBoundsError`. */
export function parseBoundedJson(text: string, bounds: JsonBounds = DEFAULT_JSON_BOUNDS): unknown {
  const value: unknown = JSON.parse(text);
  const check = checkJsonBounds(value, bounds);
  if (!check.ok) throw new JsonBoundsError(check.reason);
  return value;
}
