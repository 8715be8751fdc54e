/**
 * The demo matches `npm start` runs (DESIGN.md "demo ids run by npm start"): the synthetic match
 * `demo` and the StatsBomb replay `fifa-wc-2022-final-arg-fra`, both looping. A producer error
 * never reaches the process: it is logged and the producer starts over after a delay.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock, type Logger } from '../../core/index.js';
import type { MatchFeed, Producer } from '../types.js';
import { createMockMatch } from './mock.js';
import { createStatsBombReplay } from './statsbomb/replay.js';
import { sleep } from './timeline.js';

export const DEMO_MATCH_IDS = { mock: 'demo', statsbomb: 'fifa-wc-2022-final-arg-fra' } as const;

/** Default pause before a failed producer starts over. */
export const RETRY_DELAY_MS = 5_000;

export interface MatchDemoOptions {
  /** The repository's `data/` folder; the replay reads `<dataDir>/statsbomb/`. */
  readonly dataDir: string;
  readonly speed: number;
  readonly mock: boolean;
  readonly statsbomb: boolean;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly retryDelayMs?: number;
}

/**
 * Runs `producer` until `signal` aborts: when it fails (bad file, a rejected publish) or ends,
 * it is logged and started again after `retryDelayMs`.
 */
export async function supervise(producer: Producer, signal: AbortSignal, options: { log?: Logger; clock?: Clock; retryDelayMs?: number } = {}): Promise<void> {
  const clock = options.clock ?? systemClock;
  while (!signal.aborted) {
    try {
      await producer.run(signal);
      if (signal.aborted) return;
      options.log?.info({ producer: producer.name }, 'producer finished; restarting');
    } catch (err) {
      options.log?.warn({ producer: producer.name, err: err instanceof Error ? err.message : String(err) }, 'producer failed; retrying');
    }
    if (!(await sleep(clock, options.retryDelayMs ?? RETRY_DELAY_MS, signal))) return;
  }
}

/**
 * The StatsBomb files of the demo: the full events file `events-3869685.json` when someone has
 * put it there, else the committed excerpt (the match's first 4½ minutes).
 */
export function demoStatsBombFiles(dataDir: string): { eventsFile: string; lineupsFile: string; matchFile: string } {
  const dir = join(dataDir, 'statsbomb');
  const full = join(dir, 'events-3869685.json');
  return {
    eventsFile: existsSync(full) ? full : join(dir, 'events-3869685-excerpt.json'),
    lineupsFile: join(dir, 'lineups-3869685.json'),
    matchFile: join(dir, 'match-3869685.json'),
  };
}

/** Starts the enabled demo producers in the background; they stop when `signal` aborts. */
export function startMatchDemos(feed: MatchFeed, options: MatchDemoOptions, signal: AbortSignal): void {
  const common = { ...(options.log ? { log: options.log } : {}), ...(options.clock ? { clock: options.clock } : {}), ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) };
  const clock = options.clock ?? systemClock;
  const producers: Producer[] = [];
  if (options.mock) producers.push(createMockMatch(feed, { matchId: DEMO_MATCH_IDS.mock, clock, speed: options.speed, loop: true }));
  if (options.statsbomb) {
    producers.push(createStatsBombReplay(feed, { matchId: DEMO_MATCH_IDS.statsbomb, ...demoStatsBombFiles(options.dataDir), clock, speed: options.speed, loop: true }));
  }
  for (const producer of producers) void supervise(producer, signal, common);
}
