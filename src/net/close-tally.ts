/**
 * How a listener's connections ended, by code: the HTTP status of every refused upgrade and the
 * close code of every accepted WebSocket's close (issue 16 step 5: the operator's
 * `streamhub_connection_closes_total{dialect,code}` counts them for every dialect alike). The
 * listener tags each upgrade socket with its tally (http-listener.ts); `rejectUpgrade` and
 * `acceptWebSocket` count on whatever tally the socket carries, so no dialect counts by hand.
 */
import type { Duplex } from 'node:stream';

export class CloseTally {
  readonly #byCode = new Map<string, number>();

  count(code: number | string): void {
    const key = String(code);
    this.#byCode.set(key, (this.#byCode.get(key) ?? 0) + 1);
  }

  /** code → count since start. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#byCode);
  }
}

const tallies = new WeakMap<Duplex, CloseTally>();

/** Marks `socket` as one of `tally`'s listener's (done for every upgrade before the dialect sees it). */
export function tagSocket(socket: Duplex, tally: CloseTally): void {
  tallies.set(socket, tally);
}

/** Counts `code` on the tally of `socket`'s listener, if it has one. */
export function countClose(socket: Duplex, code: number | string): void {
  tallies.get(socket)?.count(code);
}

/** Sums several tallies' snapshots (a dialect with more than one listener). */
export function mergeCloses(...snapshots: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const snapshot of snapshots) for (const [code, n] of Object.entries(snapshot)) out[code] = (out[code] ?? 0) + n;
  return out;
}
