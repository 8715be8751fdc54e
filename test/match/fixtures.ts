/**
 * Shared pieces of the match dialect tests: spec messages, a harness with small settings, and
 * readers for what a client received.
 */
import type { RecordingClient } from '../helpers/ws-client.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { createMatchDialect, type MatchDialect } from '../../src/dialects/match/index.js';
import type { ListenerSettings } from '../../src/dialects/types.js';
import type { Clock } from '../../src/core/index.js';
import type { EventMessage, MatchInit, StateFrame } from '../../src/dialects/match/spec.js';

export function matchInit(matchId: string, producer = 'test'): MatchInit {
  const kit = { primary: '#75AADB', secondary: '#FFFFFF' };
  const team = (id: string) => ({
    id,
    name: id,
    kit,
    players: [{ id: `P_${id}_1`, name: `${id} One`, number: 1, position: 'GK' }],
  });
  return {
    type: 'match.init',
    spec_version: '0.1.1',
    match_id: matchId,
    sport: 'soccer',
    field: { length: 105, width: 68, units: 'm', surface: 'grass' },
    teams: [team('ARG'), team('FRA')],
    start_time: '2022-12-18T15:00:00Z',
    producer,
  };
}

export function state(t: number): StateFrame {
  return {
    type: 'state',
    t,
    ball: { pos: [0, 0, 0.11] },
    players: [{ id: 'P_ARG_1', pos: [-50, 0], facing: 0, anim: 'idle' }],
  };
}

export function scoreChange(t: number, home: number, away: number): EventMessage {
  return { type: 'event.score_change', t, home, away };
}

export function pass(t: number): EventMessage {
  return { type: 'event.pass', t, from: 'P_ARG_1', target: [10, 5] };
}

/** Settings small enough for tests; `overrides` go into the `match` section. */
export function matchOptions(overrides: Record<string, unknown> = {}) {
  return testConfig({ match: { port: 0, ...overrides } }).match;
}

export async function startMatch(
  overrides: Record<string, unknown> = {},
  options: { listener?: Partial<ListenerSettings>; clock?: Clock } = {},
) {
  const h = await startDialect((ctx) => createMatchDialect(ctx, matchOptions(overrides)), options);
  const base = `ws://127.0.0.1:${h.port()}`;
  return { ...h, url: (matchId: string) => `${base}/v1/match/${matchId}`, base, http: `http://127.0.0.1:${h.port()}` };
}

export type MatchHarness = Awaited<ReturnType<typeof startMatch>>;

export type Frame = { type: string; t?: number; [k: string]: unknown };

/** What the client got, as spec/control frames. */
export function frames(client: RecordingClient): Frame[] {
  return client.messages as Frame[];
}

/** `t` of every state frame received. */
export function stateTimes(client: RecordingClient): number[] {
  return frames(client)
    .filter((m) => m.type === 'state')
    .map((m) => m.t!);
}

export type { MatchDialect };
