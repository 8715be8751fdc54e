/**
 * `sent` remembers the entry it found last (issue 19, "the cost of a pass"); an entry the registry
 * forgot must not keep taking counts that `/admin/status` would never show.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../core/clock.js';
import { MatchRegistry } from './match-registry.js';

describe('MatchRegistry', () => {
  it('counts frames sent after an idle match was forgotten in a new entry', () => {
    const clock = new ManualClock();
    const registry = new MatchRegistry(clock, 1_000, () => 0);
    registry.sent('m1', 1);
    registry.sent('m1', 2);
    assert.deepEqual(registry.list(), [{ matchId: 'm1', messagesSent: 3, messagesPublished: 0 }]);
    clock.advance(1_000);
    assert.deepEqual(registry.list(), []); // idle past the TTL, nobody watching: forgotten
    registry.sent('m1', 5);
    assert.deepEqual(registry.list(), [{ matchId: 'm1', messagesSent: 5, messagesPublished: 0 }]);
  });

  it('keeps the counts of matches sent in turn apart', () => {
    const registry = new MatchRegistry(new ManualClock(), 0, () => 1);
    for (const id of ['a', 'b', 'a', 'a', 'b']) registry.sent(id, 1);
    assert.deepEqual(
      registry.list().map((e) => [e.matchId, e.messagesSent]),
      [['a', 3], ['b', 2]],
    );
  });
});
