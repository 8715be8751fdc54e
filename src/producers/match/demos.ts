/**
 * The demo matches `npm start` runs (DESIGN.md "demo ids run by npm start"): the synthetic match
 * `demo` and the StatsBomb replay `fifa-wc-2022-final-arg-fra` (the shipped excerpt, or any whole
 * match from a local copy of StatsBomb open data), both looping. A producer error never reaches
 * the process: it is logged and the producer starts over after a delay.
 */
import { systemClock, type Clock, type Logger } from '../../core/index.js';
import type { MatchFeed, Producer } from '../types.js';
import { createMockMatch } from './mock.js';
import { createStatsBombReplay } from './statsbomb/replay.js';
import { openDataFiles, SHIPPED_MATCH_ID, shippedFiles } from './statsbomb/source.js';
import { sleep } from './timeline.js';

import { DEMO_MATCH_IDS, replayStreamId } from './demo-ids.js';

export { DEMO_MATCH_IDS, replayStreamId };

/** Default pause before a failed producer starts over. */
export const RETRY_DELAY_MS = 5_000;

export interface MatchDemoOptions {
  /** The repository's `data/` folder; the replay reads the shipped `<dataDir>/statsbomb/` unless `statsbombDir` is set. */
  readonly dataDir: string;
  /** A folder laid out as StatsBomb open data (`events/<id>.json`, `lineups/<id>.json`, …); null: the shipped excerpt. */
  readonly statsbombDir?: string | null;
  /** The StatsBomb match to replay from `statsbombDir` (default 3869685, the 2022 final). */
  readonly statsbombMatchId?: number;
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

/** Starts the enabled demo producers in the background; they stop when `signal` aborts. */
export function startMatchDemos(feed: MatchFeed, options: MatchDemoOptions, signal: AbortSignal): void {
  const common = { ...(options.log ? { log: options.log } : {}), ...(options.clock ? { clock: options.clock } : {}), ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) };
  const clock = options.clock ?? systemClock;
  const producers: Producer[] = [];
  if (options.mock) producers.push(createMockMatch(feed, { matchId: DEMO_MATCH_IDS.mock, clock, speed: options.speed, loop: true }));
  if (options.statsbomb) {
    const files = options.statsbombDir ? openDataFiles(options.statsbombDir, options.statsbombMatchId ?? SHIPPED_MATCH_ID) : shippedFiles(options.dataDir);
    producers.push(createStatsBombReplay(feed, { matchId: replayStreamId(options), ...files, clock, speed: options.speed, loop: true }));
  }
  for (const producer of producers) void supervise(producer, signal, common);
}
