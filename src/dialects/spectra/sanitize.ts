/**
 * The `match_data` wire string (notes §4.5): the whole state, with the internal fields and
 * secrets removed. The state object never holds `replayLog`, `eventNumber`, `groupSecret`,
 * `playercamUrl` or timer handles (match-state.ts keeps them private); the playercam secret and
 * end time are the two nested fields cut here.
 */
import type { MatchWire } from './model-types.js';

/** Fields that must never appear in `match_data`, checked by the tests. */
export const NEVER_EMITTED = [
  'replayLog',
  'eventNumber',
  'groupSecret',
  'playercamUrl',
  'timeoutEndTimeout',
  'timeoutRemainingLoop',
  'toastEndTimeout',
] as const;

const DROPPED = new Set<string>(NEVER_EMITTED);

export function sanitizeMatch(state: Readonly<MatchWire>): string {
  const { secret: _secret, endTime: _endTime, ...playercamsInfo } = state.tools.playercamsInfo;
  const wire = { ...state, tools: { ...state.tools, playercamsInfo } };
  // Belt and braces: top-level internals are dropped even if a future field slips into the state.
  return JSON.stringify(wire, (key, value: unknown) => (DROPPED.has(key) ? undefined : value));
}
