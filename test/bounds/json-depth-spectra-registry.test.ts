/**
 * Issue 20 item 1, second half: a failure while publishing one match ends that match, never the
 * process. The send loop runs in a timer, where an exception reaches the top level; here a state
 * that cannot be encoded (a list 10,000 deep, put in past the ingest bounds, standing for any
 * encoding failure) must end only its own match (cause `failed`, a `reset` on its channel), log
 * once however often it recurs, and leave the other matches published. Real hub, ManualClock.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { ManualClock } from '../../src/core/clock.js';
import { Hub } from '../../src/core/hub.js';
import type { Message } from '../../src/core/types.js';
import { channelOf, MatchRegistry, type RemovalCause } from '../../src/dialects/spectra/match-registry.js';
import { normaliseTeam, normaliseTools } from '../../src/dialects/spectra/tools.js';
import { createLogger } from '../../src/log.js';

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

it('ends only the match whose state cannot be encoded, logs it once, and keeps the send loop running', async () => {
  const clock = new ManualClock();
  const hub = new Hub({ broker: new MemoryBroker({ clock }), clock });
  await hub.start();
  const lines: { msg: string; groupCode?: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const registry = new MatchRegistry({
    hub,
    clock,
    log: createLogger({ level: 'info', destination }),
    emitIntervalMs: 100,
    idleRemovalMs: 600_000,
    idleSweepIntervalMs: 60_000,
    maxMatches: 10,
    maxRounds: 99,
    teamInfoCacheSize: 10,
  });
  const removed: [string, RemovalCause][] = [];
  registry.onRemoved((code, cause) => removed.push([code, cause]));
  const published = new Map<string, Message[]>();
  for (const code of ['BAD', 'GOOD']) {
    const got: Message[] = [];
    published.set(code, got);
    const sub = hub.attach(
      { id: code, dialect: 'spectra', deliver: (b: readonly Message[]) => (got.push(...b), true), close: () => undefined },
      { maxMessages: 100, maxBytes: 1 << 26, overflow: 'coalesce', overflowClose: { code: 1, reason: 'x' }, stallTimeoutMs: 0, stallClose: { code: 1, reason: 'x' }, maxPendingDuringReplay: 100 },
    );
    await sub.subscribe(channelOf(code));
  }
  const create = (code: string, tools: unknown) =>
    registry.create({ groupCode: code, leftTeam: normaliseTeam({}, 'L'), rightTeam: normaliseTeam({}, 'R'), tools: normaliseTools(tools) });
  create('BAD', { seriesInfo: { mapInfo: nested(10_000) } });
  create('GOOD', {});
  const settle = async () => {
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  };

  registry.start();
  // The emit timer fires inside advance(): before the fix the RangeError came out of it.
  clock.advance(100);
  await settle();
  assert.deepEqual(removed, [['BAD', 'failed']]);
  assert.equal(registry.get('BAD'), undefined);
  assert.deepEqual(published.get('BAD')!.map((m) => m.kind), ['reset'], 'the failed match is cleared, no state sent');
  assert.deepEqual(published.get('GOOD')!.map((m) => m.kind), ['snapshot']);

  // The loop goes on for the others; a second bad match in a later pass is handled the same way.
  registry.apply('GOOD', 'score', { team_0: 1, team_1: 0 });
  create('BAD', { sponsorInfo: { sponsors: nested(10_000) } });
  clock.advance(100);
  await settle();
  assert.deepEqual(removed, [['BAD', 'failed'], ['BAD', 'failed']]);
  assert.deepEqual(published.get('GOOD')!.map((m) => m.kind), ['snapshot', 'snapshot']);
  const failures = lines.filter((l) => l.msg.includes('could not be encoded'));
  assert.equal(failures.length, 1, 'logged once per burst, the repeat is counted');
  assert.equal(failures[0]!.groupCode, 'BAD');

  await registry.close();
  await hub.close({ code: 1001, reason: 'test over' });
});
