/**
 * The send loop (protocol-notes §4.4) on a ManualClock with a real hub: at most one snapshot per
 * interval, none when nothing changed, the final state then a reset at game end, idle removal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { ManualClock } from '../../src/core/clock.js';
import { Hub } from '../../src/core/hub.js';
import type { Message } from '../../src/core/types.js';
import { channelOf, MatchRegistry } from '../../src/dialects/spectra/match-registry.js';
import { normaliseTeam, normaliseTools } from '../../src/dialects/spectra/tools.js';
import { silentLogger } from '../../src/log.js';

async function setup() {
  const clock = new ManualClock();
  const hub = new Hub({ broker: new MemoryBroker({ clock }), clock });
  await hub.start();
  const registry = new MatchRegistry({
    hub,
    clock,
    log: silentLogger,
    emitIntervalMs: 100,
    idleRemovalMs: 1_000,
    idleSweepIntervalMs: 50,
    maxMatches: 2,
    maxRounds: 99,
    teamInfoCacheSize: 2,
  });
  const published: Message[] = [];
  const sink = { id: 't', dialect: 'spectra', deliver: (b: readonly Message[]) => (published.push(...b), true), close: () => undefined };
  const sub = hub.attach(sink, {
    maxMessages: 100,
    maxBytes: 1 << 24,
    overflow: 'coalesce',
    overflowClose: { code: 1, reason: 'x' },
    stallTimeoutMs: 0,
    stallClose: { code: 1, reason: 'x' },
    maxPendingDuringReplay: 100,
  });
  await sub.subscribe(channelOf('G'));
  registry.start();
  const settle = () => new Promise((r) => setImmediate(r)).then(() => new Promise((r) => setImmediate(r)));
  const create = (code: string) =>
    registry.create({ groupCode: code, leftTeam: normaliseTeam({}, 'L'), rightTeam: normaliseTeam({}, 'R'), tools: normaliseTools({}) });
  return { clock, registry, published, settle, create, hub };
}

describe('match registry send loop', () => {
  it('publishes the first state on the first tick, then at most once per interval and only when changed', async () => {
    const { clock, registry, published, settle, create } = await setup();
    create('G');
    await settle();
    assert.equal(published.length, 0);
    clock.advance(100);
    await settle();
    assert.equal(published.length, 1);
    assert.equal(published[0]!.kind, 'snapshot');
    for (let i = 1; i <= 10; i++) registry.apply('G', 'round_info', { roundPhase: 'shopping', roundNumber: i });
    clock.advance(99);
    await settle();
    assert.equal(published.length, 1, 'nothing before the interval');
    clock.advance(1);
    await settle();
    assert.equal(published.length, 2);
    assert.equal((JSON.parse(new TextDecoder().decode(published[1]!.payload)) as { roundNumber: number }).roundNumber, 10);
    clock.advance(1_000 - 200);
    await settle();
    assert.equal(published.length, 2, 'no change, no emission');
    await registry.close();
  });

  it('at game end publishes the final state at once, then a reset, and removes the match', async () => {
    const { registry, published, settle, create } = await setup();
    create('G');
    registry.apply('G', 'round_info', { roundPhase: 'game_end', roundNumber: 24 });
    await settle();
    assert.deepEqual(published.map((m) => m.kind), ['snapshot', 'reset']);
    assert.equal((JSON.parse(new TextDecoder().decode(published[0]!.payload)) as { roundPhase: string }).roundPhase, 'game_end');
    assert.equal(registry.size, 0);
    await registry.close();
  });

  it('removes idle matches after idleRemovalMs, refuses matches past maxMatches, and bounds the team-info cache', async () => {
    const { clock, registry, create } = await setup();
    const causes: string[] = [];
    registry.onRemoved((code, cause) => causes.push(`${code}:${cause}`));
    assert.ok(create('G'));
    assert.ok(create('H'));
    assert.equal(create('I'), null);
    clock.advance(500);
    registry.apply('H', 'map', 'Port');
    clock.advance(550);
    assert.deepEqual(causes, ['G:idle']);
    assert.equal(registry.size, 1);
    assert.ok(create('J'));
    assert.equal(registry.teamInfo('G'), undefined, 'oldest team info evicted');
    assert.ok(registry.teamInfo('J'));
    await registry.close();
  });
});
