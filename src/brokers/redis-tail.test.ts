/**
 * ChannelTail without Redis: the store is an array and reads are promises the test resolves, so
 * every interleaving of live messages and gap fills is exact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger, Message, MessageKind } from '../core/index.js';
import type { StoreView } from './redis-store.js';
import { ChannelTail, type TailHost } from './redis-tail.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const m = (offset: number, epoch = 'e1', kind: MessageKind = 'data'): Message => ({
  channel: 'c',
  offset,
  epoch,
  kind,
  time: offset,
  publishedAt: offset,
  payload: new Uint8Array(0),
});

function fixture(options: { cap?: number; maxPending?: number; begin?: boolean } = {}) {
  const cap = options.cap ?? 100;
  const store = { epoch: 'e1', seq: 0, ring: [] as Message[], snapshot: null as Message | null };
  const delivered: number[] = [];
  const epochs: string[] = [];
  const reads: { since: { epoch: string; offset: number } | undefined; answer: (fail?: Error) => void }[] = [];
  let unrecoverable = 0;
  let filled = 0;
  let retries = 0;
  const host: TailHost = {
    deliver: (msg) => {
      delivered.push(msg.offset);
      epochs.push(msg.epoch);
    },
    read: (_channel, since) =>
      new Promise<StoreView | null>((resolve, reject) => {
        reads.push({
          since,
          answer: (fail) => {
            if (fail) return reject(fail);
            const after = since && since.epoch === store.epoch ? since.offset : 0;
            const ring = store.ring.filter((x) => x.offset > after).slice(0, cap);
            resolve({
              epoch: store.epoch,
              seq: store.seq,
              snapshot: store.snapshot,
              pinned: [],
              oldestInRing: store.ring[0]?.offset ?? store.seq + 1,
              ring,
              truncated: ring.length >= cap,
            });
          },
        });
      }),
    filled: (_c, n) => (filled += n),
    unrecoverable: (_c, n) => (unrecoverable += n),
    retryLater: () => (retries += 1),
    log: quiet,
    maxPending: options.maxPending ?? 100,
  };
  const tail = new ChannelTail('c', host);
  if (options.begin !== false) tail.begin(null);
  /** Adds messages to the store (as the Lua script would) and returns them. */
  const publish = (...kinds: MessageKind[]) =>
    kinds.map((kind) => {
      const msg = m(++store.seq, store.epoch, kind);
      if (kind !== 'volatile' && kind !== 'reset') store.ring.push(msg);
      return msg;
    });
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return { tail, store, delivered, epochs, reads, publish, settle, stats: () => ({ unrecoverable, filled }), retries: () => retries };
}

describe('ChannelTail', () => {
  it('passes consecutive live messages straight through and drops repeats', () => {
    const f = fixture();
    for (const msg of f.publish('data', 'data', 'data')) f.tail.onLive(msg);
    f.tail.onLive(m(2));
    assert.deepEqual(f.delivered, [1, 2, 3]);
    assert.equal(f.reads.length, 0);
  });

  it('fills a gap from the store before the message that revealed it, holding later live messages', async () => {
    const f = fixture();
    const [m1, m2, m3, m4, m5] = f.publish('data', 'data', 'data', 'data', 'data');
    f.tail.onLive(m1!);
    f.tail.onLive(m4!); // 2 and 3 were lost on pub/sub
    f.tail.onLive(m5!); // arrives while the fill runs
    assert.deepEqual(f.delivered, [1]);
    assert.deepEqual(f.reads[0]!.since, { epoch: 'e1', offset: 1 });
    f.reads[0]!.answer();
    await f.settle();
    assert.deepEqual(f.delivered, [1, 2, 3, 4, 5]);
    assert.deepEqual(f.stats(), { unrecoverable: 0, filled: 2 });
    f.tail.onLive(m2!);
    f.tail.onLive(m3!);
    assert.deepEqual(f.delivered, [1, 2, 3, 4, 5], 'late pub/sub copies are not delivered twice');
  });

  it('counts unretained messages in a gap (volatile) and does not loop on them', async () => {
    const f = fixture();
    const [m1, , m3, m4] = f.publish('data', 'volatile', 'data', 'data');
    f.tail.onLive(m1!);
    f.tail.onLive(m4!);
    f.reads[0]!.answer();
    await f.settle();
    assert.deepEqual(f.delivered, [1, 3, 4]);
    assert.equal(f.stats().unrecoverable, 1);
    assert.equal(f.reads.length, 1);
    f.tail.onLive(m3!);
    const [m5] = f.publish('data');
    f.tail.onLive(m5!);
    assert.deepEqual(f.delivered, [1, 3, 4, 5]);
  });

  it('reads a long gap in bounded batches, in order', async () => {
    const f = fixture({ cap: 2 });
    const all = f.publish(...Array.from({ length: 8 }, () => 'data' as const));
    f.tail.onLive(all[0]!);
    f.tail.onLive(all[7]!);
    for (let i = 0; i < 3; i++) {
      f.reads[i]!.answer();
      await f.settle();
    }
    assert.deepEqual(f.reads.map((r) => r.since?.offset), [1, 3, 5]);
    assert.deepEqual(f.delivered, [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('follows a new epoch: from 1 directly, or from the start of the new generation when it began unseen', async () => {
    const f = fixture();
    f.tail.onLive(f.publish('data')[0]!);
    f.store.epoch = 'e2';
    f.store.seq = 0;
    f.store.ring = [];
    f.tail.onLive(f.publish('data')[0]!);
    assert.deepEqual(f.epochs, ['e1', 'e2']);
    f.store.epoch = 'e3';
    f.store.seq = 0;
    f.store.ring = [];
    const [, , third] = f.publish('data', 'data', 'data');
    f.tail.onLive(third!);
    f.reads[0]!.answer();
    await f.settle();
    assert.deepEqual(f.delivered, [1, 1, 1, 2, 3]);
    assert.deepEqual(f.epochs, ['e1', 'e2', 'e3', 'e3', 'e3']);
  });

  it('after a failed fill, drops what it held and recovers it with the next gap', async () => {
    const f = fixture();
    const [m1, , m3, m4] = f.publish('data', 'data', 'data', 'data');
    f.tail.onLive(m1!);
    f.tail.onLive(m3!);
    f.tail.onLive(m4!);
    f.reads[0]!.answer(new Error('connection lost'));
    await f.settle();
    assert.deepEqual(f.delivered, [1]);
    assert.equal(f.retries(), 1, 'the host is asked to retry');
    const [m5] = f.publish('data');
    f.tail.onLive(m5!);
    f.reads[1]!.answer();
    await f.settle();
    assert.deepEqual(f.delivered, [1, 2, 3, 4, 5]);
  });

  it('past maxPending during a fill, drops held messages and reads them back up to the top', async () => {
    const f = fixture({ maxPending: 2 });
    const all = f.publish('data', 'data', 'data', 'data', 'data', 'data');
    f.tail.onLive(all[0]!);
    f.tail.onLive(all[2]!); // gap: fill starts
    for (const msg of all.slice(3)) f.tail.onLive(msg); // 4 and 5 held, 6 overflows
    f.reads[0]!.answer();
    await f.settle();
    assert.equal(f.reads.length, 2, 'a refill to the top follows');
    f.reads[1]!.answer();
    await f.settle();
    assert.deepEqual(f.delivered, [1, 2, 3, 4, 5, 6]);
  });

  it('holds live messages until the subscribe-time top is known, then delivers only what follows it', async () => {
    const f = fixture({ begin: false });
    const [, , m3, m4] = f.publish('data', 'data', 'data', 'data');
    f.tail.onLive(m3!); // published between SUBSCRIBE and the top read: the hub's replay has it
    f.tail.onLive(m4!);
    await f.tail.catchUp();
    assert.equal(f.reads.length, 0, 'no catch-up before the start position is known');
    assert.deepEqual(f.delivered, []);
    f.tail.begin({ epoch: 'e1', offset: 3 });
    assert.deepEqual(f.delivered, [4]);
  });

  it('from a channel that was empty at subscribe time, fills from the start of its first generation', async () => {
    const f = fixture();
    const all = f.publish('data', 'data', 'data');
    f.tail.onLive(all[2]!); // 1 and 2 were published while the pub/sub connection was down
    f.reads[0]!.answer();
    await f.settle();
    assert.equal(f.reads[0]!.since, undefined);
    assert.deepEqual(f.delivered, [1, 2, 3]);
  });

  it('catches up to the top after a reconnect, and stops at close', async () => {
    const f = fixture();
    const [m1] = f.publish('data', 'data', 'data');
    f.tail.onLive(m1!);
    const done = f.tail.catchUp();
    f.reads[0]!.answer();
    await done;
    assert.deepEqual(f.delivered, [1, 2, 3]);
    f.tail.close();
    f.tail.onLive(f.publish('data')[0]!);
    assert.deepEqual(f.delivered, [1, 2, 3], 'nothing after close');
  });

  it('follows Redis when its offsets went backwards (a failover lost acknowledged writes)', async () => {
    const f = fixture();
    for (const msg of f.publish('data', 'data', 'data', 'data', 'data')) f.tail.onLive(msg);
    f.store.seq = 3; // the new primary never had 4 and 5
    f.store.ring = f.store.ring.slice(0, 3);
    const done = f.tail.catchUp();
    f.reads[0]!.answer();
    await done;
    const [next] = f.publish('data');
    f.tail.onLive(next!);
    assert.deepEqual(f.delivered, [1, 2, 3, 4, 5, 4]);
  });
});
