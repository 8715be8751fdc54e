/**
 * PresenceRegistry's rules on the in-process ports (src/dialects/streamhub/presence.ts, PROTOCOL.md
 * §12): what it keeps in the member table (at most `keep` per channel, topped up to
 * maxMembersListed), that every member pushed as joined is kept (so a dead node's leaves can be
 * pushed), the push bound, `truncated`, and the watch on the table held only while a watcher is.
 * The cluster-wide behaviour on Redis is in presence-cluster.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalCounterTable, LocalMemberTable } from '../../src/coordination/index.js';
import type { MemberEvent, MemberTable } from '../../src/coordination/ports.js';
import { PresenceRegistry, type Member, type PresenceWatcher } from '../../src/dialects/streamhub/presence.js';

/** A local member table that records what the registry asks of it. */
class RecordingTable extends LocalMemberTable {
  readonly kept = new Map<string, Set<string>>();
  readonly announced: MemberEvent[] = [];
  watching = 0;

  override set(key: string, id: string, value: string): void {
    super.set(key, id, value);
    if (!this.kept.has(key)) this.kept.set(key, new Set());
    this.kept.get(key)!.add(id);
  }

  override delete(key: string, id: string): void {
    super.delete(key, id);
    this.kept.get(key)?.delete(id);
  }

  override announce(event: MemberEvent): void {
    this.announced.push(event);
    super.announce(event);
  }

  override watch(key: string, listener: (event: MemberEvent) => void): () => void {
    this.watching += 1;
    const stop = super.watch(key, listener);
    return () => {
      this.watching -= 1;
      stop();
    };
  }
}

function registry(bounds = { maxMembersListed: 2, maxJoinLeaveMembers: 3 }) {
  const table = new RecordingTable();
  const counts = new LocalCounterTable();
  return { table, counts, presence: new PresenceRegistry(bounds, counts, table as MemberTable) };
}

const member = (i: number): Member => ({ client: `c${i}`, user: `u${i}` });

class Watcher implements PresenceWatcher {
  readonly heard: string[] = [];
  presenceEvent(type: 'join' | 'leave', _channel: string, m: Member): void {
    this.heard.push(`${type}:${m.client}`);
  }
}

describe('streamhub PresenceRegistry', () => {
  it('keeps at most max(maxMembersListed, maxJoinLeaveMembers) per channel; counts go on', async () => {
    const { table, presence } = registry();
    for (let i = 1; i <= 10; i++) presence.join('ch', member(i), null);
    assert.deepEqual([...table.kept.get('ch')!].sort(), ['c1', 'c2', 'c3']);
    const snap = await presence.snapshot('ch', true, 2);
    assert.equal(snap.count, 10);
    assert.equal(snap.users, 10);
    assert.equal(snap.members!.length, 2);
    assert.equal(snap.truncated, true);
    // An unkept member leaving touches nothing in the table.
    presence.leave('ch', 'c9', null);
    assert.equal(table.kept.get('ch')!.size, 3);
    assert.equal((await presence.snapshot('ch', false, 2)).count, 9);
  });

  it('tops a channel up to maxMembersListed kept members, not beyond', async () => {
    const { table, presence } = registry();
    for (let i = 1; i <= 6; i++) presence.join('ch', member(i), null);
    presence.leave('ch', 'c1', null); // 2 kept left: no top-up (2 = maxMembersListed)
    assert.deepEqual([...table.kept.get('ch')!].sort(), ['c2', 'c3']);
    presence.leave('ch', 'c2', null); // 1 kept: one of c4..c6 takes the place
    const kept = [...table.kept.get('ch')!].sort();
    assert.equal(kept.length, 2);
    assert.ok(kept.includes('c3') && /^c[456]$/.test(kept.find((c) => c !== 'c3')!), kept.join());
    const listed = await presence.snapshot('ch', true, 2);
    assert.equal(listed.members!.length, 2, 'the listing stays full');
  });

  it('pushes while the channel has at most maxJoinLeaveMembers members, and every pushed member is kept', () => {
    const { table, presence } = registry();
    const w = new Watcher();
    presence.join('ch', member(0), w);
    for (let i = 1; i <= 4; i++) presence.join('ch', member(i), null);
    assert.deepEqual(w.heard, ['join:c0', 'join:c1', 'join:c2'], 'c3 and c4 joined a channel of 4 and 5');
    for (const e of table.announced) assert.ok(table.kept.get('ch')!.has(e.id), `${e.id} was pushed, so it is kept`);
    presence.leave('ch', 'c4', null); // 4 left: not pushed
    presence.leave('ch', 'c3', null); // 3 left: pushed
    assert.deepEqual(w.heard.slice(3), ['leave:c3']);
  });

  it('watches the member table while it has a watcher of the channel, and stops with the last', () => {
    const { table, presence } = registry();
    const [w1, w2] = [new Watcher(), new Watcher()];
    presence.join('ch', member(1), w1);
    presence.join('ch', member(2), w2);
    assert.equal(table.watching, 1, 'one watch per channel, not per watcher');
    table.announce({ type: 'add', key: 'ch', id: 'r1', value: JSON.stringify({ client: 'r1', user: 'remote' }) });
    assert.ok(w1.heard.includes('join:r1') && w2.heard.includes('join:r1'), 'a remote join reaches both');
    table.announce({ type: 'add', key: 'ch', id: 'bad', value: 'not json' });
    assert.ok(!w1.heard.some((h) => h.endsWith(':bad')), 'an unreadable value is dropped');
    presence.leave('ch', 'c1', w1);
    assert.equal(table.watching, 1);
    presence.leave('ch', 'c2', w2);
    assert.equal(table.watching, 0, 'the last watcher gone: the watch ends');
  });

  it('a listing of every member is exact: count is its length, not truncated', async () => {
    const { presence } = registry({ maxMembersListed: 5, maxJoinLeaveMembers: 5 });
    presence.join('ch', member(1), null);
    presence.join('ch', { client: 'c2', user: 'u1', info: { name: 'x' } }, null);
    const snap = await presence.snapshot('ch', true, 5);
    assert.deepEqual(snap, { count: 2, users: 1, members: [member(1), { client: 'c2', user: 'u1', info: { name: 'x' } }], truncated: false });
  });
});
