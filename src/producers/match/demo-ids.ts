/**
 * The match ids `npm start` runs (DESIGN.md "demo ids run by npm start"), apart from the producers
 * so that the banner and the start log name them without loading the replay.
 */
import { SHIPPED_MATCH_ID } from './statsbomb/source.js';

export const DEMO_MATCH_IDS = { mock: 'demo', statsbomb: 'fifa-wc-2022-final-arg-fra' } as const;

/**
 * The stream the StatsBomb replay runs under: the 2022 final (the shipped excerpt, or the whole
 * match from open data) keeps its demo id (DESIGN.md), any other match is `statsbomb-<id>`.
 */
export function replayStreamId(options: { readonly statsbombDir?: string | null; readonly statsbombMatchId?: number }): string {
  const id = options.statsbombDir ? (options.statsbombMatchId ?? SHIPPED_MATCH_ID) : SHIPPED_MATCH_ID;
  return id === SHIPPED_MATCH_ID ? DEMO_MATCH_IDS.statsbomb : `statsbomb-${id}`;
}
