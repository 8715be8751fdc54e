/**
 * Test doubles for the match producers: an in-memory MatchFeed that validates every message with
 * the dialect's `parseSpecMessage` (rejecting invalid ones, as the real feed does) and records
 * when each was published; a seeded random source; helpers to drive a ManualClock.
 */
import { join, resolve } from 'node:path';
import type { Clock } from '../../src/core/index.js';
import { parseSpecMessage, type SpecMessage } from '../../src/dialects/match/spec.js';
import type { MatchFeed } from '../../src/producers/types.js';

export interface Published {
  readonly matchId: string;
  readonly message: SpecMessage;
  /** clock.now() at publish time. */
  readonly at: number;
  /** The idempotency key the producer gave. */
  readonly key?: string;
}

export class FakeFeed implements MatchFeed {
  readonly published: Published[] = [];
  readonly invalid: string[] = [];
  /** Makes the next `n` publishes reject (a failing dialect). */
  failNext = 0;

  constructor(private readonly clock?: Clock) {}

  async publish(matchId: string, message: object, options: { idempotencyKey?: string } = {}): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('feed unavailable');
    }
    const parsed = parseSpecMessage(JSON.parse(JSON.stringify(message)));
    if (!parsed.ok) {
      this.invalid.push(parsed.error);
      // As MatchDialect.publish: StreamHubError('ERR_INVALID_MESSAGE').
      throw Object.assign(new Error(`invalid spec message: ${parsed.error}`), { code: 'ERR_INVALID_MESSAGE' });
    }
    const key = options.idempotencyKey;
    this.published.push({ matchId, message: parsed.message, at: this.clock?.now() ?? 0, ...(key !== undefined ? { key } : {}) });
  }

  messages(matchId?: string): SpecMessage[] {
    return this.published.filter((p) => !matchId || p.matchId === matchId).map((p) => p.message);
  }
}

/** mulberry32: a small seeded PRNG so synthetic matches are reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lets pending promise continuations (and finished I/O callbacks) run. Not a sleep: no time passes. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Yields to the event loop until `predicate` holds (bounded, so a broken test fails instead of hanging). */
export async function until(predicate: () => boolean, maxTurns = 100_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (predicate()) return;
    await flush();
  }
  throw new Error('condition never held');
}

/** Advances a ManualClock by `totalMs` in `stepMs` steps, letting continuations run after each. */
export async function drive(clock: { advance(ms: number): void }, totalMs: number, stepMs: number): Promise<void> {
  for (let done = 0; done < totalMs; done += stepMs) {
    clock.advance(Math.min(stepMs, totalMs - done));
    await flush();
  }
}

export const DATA_DIR = resolve(import.meta.dirname, '../../data');
export const SB_DIR = join(DATA_DIR, 'statsbomb');
export const SB_FILES = {
  eventsFile: join(SB_DIR, 'events-3869685-excerpt.json'),
  lineupsFile: join(SB_DIR, 'lineups-3869685.json'),
  matchFile: join(SB_DIR, 'match-3869685.json'),
} as const;
