/**
 * The broker contract: every Broker implementation runs this same suite unchanged
 * (STYLE.md rule 8). `factory` returns a fresh broker plus a way to restart the backing
 * store (memory: a new instance; redis: FLUSHALL) to check that the epoch changes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type Broker, type Clock, type Message, type RetentionPolicy } from '../../src/core/index.js';

export interface BrokerUnderTest {
  broker: Broker;
  /** A second broker on the same backing store (another node), when the implementation has one. */
  peer?: () => Promise<Broker>;
  /** Loses continuity (memory: a new broker; redis: flush); returns the broker to use afterwards. */
  restart: () => Promise<Broker>;
  cleanup: () => Promise<void>;
}

const RETAIN: RetentionPolicy = { maxMessages: 5, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 3, idleTtlMs: 0 };
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (m: Message) => new TextDecoder().decode(m.payload);
let unique = 0;
const channelName = () => `test:ch${Date.now().toString(36)}${++unique}`;

/** Collects delivered messages and lets a test wait for `n` of them without sleeping. */
function collector() {
  const got: Message[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    got,
    deliver(msg: Message) {
      got.push(msg);
      for (const w of [...waiters]) if (got.length >= w.n) w.resolve();
    },
    until(n: number, timeoutMs = 5_000): Promise<void> {
      if (got.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} messages arrived`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

/** What a test may fix when it asks the factory for a broker. */
export interface BrokerDeps {
  /** The broker's clock (the idempotency window runs on it). */
  readonly clock?: Clock;
  /** Idempotency window and per-channel bound of keys. */
  readonly idempotency?: { readonly windowMs: number; readonly maxKeys: number };
}

export interface ContractOptions {
  /** The implementation shares its store between nodes: `peer` must be given and the cross-node test runs. */
  readonly multiNode: boolean;
}

export function describeBroker(name: string, factory: (deps?: BrokerDeps) => Promise<BrokerUnderTest>, options: ContractOptions): void {
  describe(`broker contract: ${name}`, () => {
    it('assigns offsets 1, 2, 3 … within one epoch and delivers in order to an interested node', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      const sink = collector();
      await env.broker.start(sink.deliver);
      const ch = channelName();
      await env.broker.subscribe(ch);
      const positions = [];
      for (let i = 1; i <= 20; i++) positions.push(await env.broker.publish(ch, bytes(`m${i}`), { retention: RETAIN }));
      assert.deepEqual(positions.map((p) => p.offset), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal(new Set(positions.map((p) => p.epoch)).size, 1);
      await sink.until(20);
      assert.deepEqual(sink.got.map(text), Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
      assert.deepEqual(sink.got.map((m) => m.offset), positions.map((p) => p.offset));
    });

    it('delivers nothing for channels the node has no interest in, and stops after unsubscribe', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      const sink = collector();
      await env.broker.start(sink.deliver);
      const a = channelName();
      const b = channelName();
      await env.broker.subscribe(a);
      await env.broker.publish(b, bytes('not for us'), { retention: RETAIN });
      await env.broker.publish(a, bytes('one'), { retention: RETAIN });
      await sink.until(1);
      await env.broker.unsubscribe(a);
      await env.broker.publish(a, bytes('after unsubscribe'), { retention: RETAIN });
      await env.broker.subscribe(b);
      await env.broker.publish(b, bytes('two'), { retention: RETAIN });
      await sink.until(2);
      assert.deepEqual(sink.got.map(text), ['one', 'two']);
    });

    it('keeps a ring bounded by count and answers history since a position', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      const ch = channelName();
      for (let i = 1; i <= 8; i++) await env.broker.publish(ch, bytes(`m${i}`), { retention: RETAIN });
      const all = await env.broker.history(ch);
      assert.deepEqual(all.messages.map(text), ['m4', 'm5', 'm6', 'm7', 'm8']);
      assert.equal(all.top?.offset, 8);
      const since6 = await env.broker.history(ch, { since: { offset: 6, epoch: all.top!.epoch } });
      assert.deepEqual(since6.messages.map(text), ['m7', 'm8']);
      assert.equal(since6.recovered, true);
      const since1 = await env.broker.history(ch, { since: { offset: 1, epoch: all.top!.epoch } });
      assert.equal(since1.recovered, false, 'm2 and m3 were evicted, so continuity from 1 is lost');
      const limited = await env.broker.history(ch, { limit: 2 });
      assert.deepEqual(limited.messages.map(text), ['m7', 'm8']);
      const foreign = await env.broker.history(ch, { since: { offset: 6, epoch: 'another-epoch' } });
      assert.equal(foreign.recovered, false);
      assert.equal(foreign.messages.length, 5);
    });

    it('bounds the ring by bytes (with per-message overhead) and by age on the message time', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      const byBytes = channelName();
      const small: RetentionPolicy = { ...RETAIN, maxMessages: 100, maxBytes: 3 * (10 + 16), overheadBytes: 16 };
      for (let i = 0; i < 6; i++) await env.broker.publish(byBytes, bytes(`0123456789`), { retention: small });
      assert.equal((await env.broker.history(byBytes)).messages.length, 3);
      const byAge = channelName();
      const aged: RetentionPolicy = { ...RETAIN, maxMessages: 100, maxAgeMs: 1_000 };
      for (const t of [0, 400, 900, 1500, 2100]) await env.broker.publish(byAge, bytes(`t${t}`), { retention: aged, time: t });
      assert.deepEqual((await env.broker.history(byAge)).messages.map(text), ['t1500', 't2100']);
    });

    it('keeps the snapshot apart, replaces it, and lets a new snapshot start a new generation', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      const ch = channelName();
      await env.broker.publish(ch, bytes('init1'), { retention: RETAIN, kind: 'snapshot' });
      for (let i = 1; i <= 7; i++) await env.broker.publish(ch, bytes(`m${i}`), { retention: RETAIN });
      let h = await env.broker.history(ch);
      assert.equal(text(h.snapshot!), 'init1', 'the snapshot is never evicted by the ring');
      assert.equal(h.messages.length, 5);
      await env.broker.publish(ch, bytes('init2'), { retention: RETAIN, kind: 'snapshot' });
      await env.broker.publish(ch, bytes('after'), { retention: RETAIN });
      h = await env.broker.history(ch);
      assert.equal(text(h.snapshot!), 'init2');
      assert.deepEqual(h.messages.map(text), ['after']);
    });

    it('keeps pinned messages beyond the ring, bounded, and returns only those the ring lost', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      const ch = channelName();
      for (let i = 1; i <= 5; i++) await env.broker.publish(ch, bytes(`p${i}`), { retention: RETAIN, kind: 'pinned' });
      for (let i = 1; i <= 3; i++) await env.broker.publish(ch, bytes(`m${i}`), { retention: RETAIN });
      const h = await env.broker.history(ch);
      // ring (5): p4 p5 m1 m2 m3; pinned list (3): p3 p4 p5, of which only p3 left the ring.
      assert.deepEqual(h.messages.map(text), ['p4', 'p5', 'm1', 'm2', 'm3']);
      assert.deepEqual(h.pinned.map(text), ['p3']);
    });

    it('does not retain volatile messages, and a reset clears everything but keeps offsets rising', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      const sink = collector();
      await env.broker.start(sink.deliver);
      const ch = channelName();
      await env.broker.subscribe(ch);
      await env.broker.publish(ch, bytes('snap'), { retention: RETAIN, kind: 'snapshot' });
      await env.broker.publish(ch, bytes('v'), { retention: RETAIN, kind: 'volatile' });
      await env.broker.publish(ch, bytes('d'), { retention: RETAIN });
      let h = await env.broker.history(ch);
      assert.deepEqual(h.messages.map(text), ['d']);
      const reset = await env.broker.publish(ch, new Uint8Array(0), { retention: RETAIN, kind: 'reset' });
      assert.equal(reset.offset, 4);
      h = await env.broker.history(ch);
      assert.equal(h.snapshot, null);
      assert.equal(h.messages.length, 0);
      assert.equal(h.top?.offset, 4);
      await sink.until(4);
      assert.deepEqual(sink.got.map((m) => m.kind), ['snapshot', 'volatile', 'data', 'reset']);
    });

    it('answers an unknown channel with an empty history', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      const h = await env.broker.history(channelName());
      assert.equal(h.top, null);
      assert.equal(h.snapshot, null);
      assert.deepEqual(h.messages, []);
    });

    it('changes the epoch when continuity is lost', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      const ch = channelName();
      const before = await env.broker.publish(ch, bytes('a'), { retention: RETAIN });
      const broker = await env.restart();
      const after = await broker.publish(ch, bytes('b'), { retention: RETAIN });
      assert.notEqual(after.epoch, before.epoch);
      assert.equal(after.offset, 1);
    });

    it('publishes a repeated idempotency key once and answers the original position (issue 15 item 3)', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      const sink = collector();
      await env.broker.start(sink.deliver);
      const ch = channelName();
      const other = channelName();
      await env.broker.subscribe(ch);
      const first = await env.broker.publish(ch, bytes('a'), { retention: RETAIN, idempotencyKey: 'k-1' });
      const again = await env.broker.publish(ch, bytes('a'), { retention: RETAIN, idempotencyKey: 'k-1' });
      const next = await env.broker.publish(ch, bytes('b'), { retention: RETAIN, idempotencyKey: 'k-2' });
      const plain = await env.broker.publish(ch, bytes('c'), { retention: RETAIN });
      const elsewhere = await env.broker.publish(other, bytes('x'), { retention: RETAIN, idempotencyKey: 'k-1' });
      assert.equal(first.duplicate ?? false, false);
      assert.equal(again.duplicate, true);
      assert.deepEqual({ offset: again.offset, epoch: again.epoch, kind: again.kind, time: again.time, publishedAt: again.publishedAt }, {
        offset: first.offset, epoch: first.epoch, kind: first.kind, time: first.time, publishedAt: first.publishedAt,
      });
      assert.deepEqual([next.offset, plain.offset], [2, 3]);
      assert.equal(elsewhere.duplicate ?? false, false, 'keys are per channel');
      assert.equal(elsewhere.offset, 1);
      await sink.until(3);
      assert.deepEqual(sink.got.map(text), ['a', 'b', 'c'], 'the repeat is not delivered');
      assert.deepEqual((await env.broker.history(ch)).messages.map(text), ['a', 'b', 'c'], 'nor retained');
    });

    it('forgets idempotency keys after the window on its clock, and the oldest past the bound', async (t) => {
      const clock = new ManualClock();
      const env = await factory({ clock, idempotency: { windowMs: 60_000, maxKeys: 2 } });
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      const ch = channelName();
      const publish = (body: string, key: string) => env.broker.publish(ch, bytes(body), { retention: RETAIN, idempotencyKey: key });
      assert.equal((await publish('a', 'old')).offset, 1);
      clock.advance(59_999);
      assert.equal((await publish('a', 'old')).duplicate, true, 'still inside the window');
      clock.advance(1);
      const late = await publish('a', 'old');
      assert.equal(late.duplicate ?? false, false, 'the window has passed: published again');
      assert.equal(late.offset, 2);
      await publish('b', 'k2');
      await publish('c', 'k3'); // a third key: 'old' (the oldest) is forgotten
      assert.equal((await publish('c', 'k3')).duplicate, true);
      const forgotten = await publish('a', 'old');
      assert.equal(forgotten.duplicate ?? false, false);
      assert.equal(forgotten.offset, 5);
      await assert.rejects(publish('d', 'bad key with spaces'), /idempotency key/);
    });

    if (options.multiNode) {
      it('deduplicates an idempotency key across nodes sharing the store', async (t) => {
        const env = await factory();
        t.after(() => env.cleanup());
        assert.ok(env.peer, 'a multi-node broker gives a peer');
        const peer = await env.peer();
        await env.broker.start(() => {});
        await peer.start(() => {});
        const ch = channelName();
        const first = await env.broker.publish(ch, bytes('a'), { retention: RETAIN, idempotencyKey: 'producer-7:42' });
        const resent = await peer.publish(ch, bytes('a'), { retention: RETAIN, idempotencyKey: 'producer-7:42' });
        assert.equal(resent.duplicate, true);
        assert.deepEqual([resent.offset, resent.epoch], [first.offset, first.epoch]);
        assert.deepEqual((await peer.history(ch)).messages.map(text), ['a']);
      });

      it('preserves one order across nodes sharing the store', async (t) => {
        const env = await factory();
        t.after(() => env.cleanup());
        assert.ok(env.peer, 'a multi-node broker gives a peer');
        const peer = await env.peer();
        const local = collector();
        const remote = collector();
        await env.broker.start(local.deliver);
        await peer.start(remote.deliver);
        const ch = channelName();
        await env.broker.subscribe(ch);
        await peer.subscribe(ch);
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (i % 2 ? peer : env.broker).publish(ch, bytes(`x${i}`), { retention: { ...RETAIN, maxMessages: 100 } }),
          ),
        );
        await local.until(30);
        await remote.until(30);
        assert.deepEqual(local.got.map((m) => m.offset), Array.from({ length: 30 }, (_, i) => i + 1));
        assert.deepEqual(remote.got.map(text), local.got.map(text));
        const h = await peer.history(ch);
        assert.deepEqual(h.messages.map(text), local.got.map(text));
      });
    }

    it('reports health and closes idempotently', async (t) => {
      const env = await factory();
      t.after(() => env.cleanup());
      await env.broker.start(() => {});
      assert.equal(env.broker.health().ok, true);
      await env.broker.close();
      await env.broker.close();
      assert.equal(env.broker.health().ok, false);
    });
  });
}
