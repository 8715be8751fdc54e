/**
 * A receiver holds what the hub delivers until the publisher registry answers (it must know the
 * publish's key first, notes §3.4). That hold is bounded (issue 16 step 3): live chunks past
 * `relay.maxPendingDuringReplay` close the receiver as slow (4008); up to it nothing is lost.
 * The registry is made to answer only when the test says so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localCoordination } from '../../src/coordination/local.js';
import type { Claim, ClaimTable, CoordinationPorts } from '../../src/coordination/ports.js';
import { createRelayDialect } from '../../src/dialects/relay/index.js';
import { startDialect, testConfig } from '../helpers/harness.js';
import { connect } from '../helpers/ws-client.js';
import { chunks, eventually, sendChunks } from './helpers.js';

/**
 * Ports whose claim tables, once `hold()` was called, answer `current` only when `release()` is
 * called (the publisher's upgrade asks too, before); claims go through at once.
 */
function gatedPorts(): { ports: CoordinationPorts; hold: () => void; release: () => void; asked: () => number } {
  const inner = localCoordination();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let holding = false;
  let asked = 0;
  const ports: CoordinationPorts = {
    ...inner,
    limiter: (name, caps) => inner.limiter(name, caps),
    lease: (role) => inner.lease(role),
    counters: (name) => inner.counters(name),
    claims(name): ClaimTable {
      const table = inner.claims(name);
      return {
        claim: (key, claim) => table.claim(key, claim),
        async current(key): Promise<Claim | null> {
          if (holding) {
            asked += 1;
            await gate;
          }
          return table.current(key);
        },
      };
    },
  };
  return { ports, hold: () => (holding = true), release: open, asked: () => asked };
}

async function start(maxPendingDuringReplay: number) {
  const gated = gatedPorts();
  const settings = testConfig({ relay: { port: 0, maxPendingDuringReplay } }).relay;
  const h = await startDialect((ctx) => createRelayDialect(ctx, settings, gated.ports));
  const url = (kind: string) => `ws://127.0.0.1:${h.port()}/c/k/${kind}`;
  return { h, url, ...gated };
}

describe('relay receiver: what it holds while the registry answers is bounded', () => {
  it('up to maxPendingDuringReplay live chunks are held, then played in order once the registry answers', async (t) => {
    const { h, url, hold, release, asked } = await start(5);
    t.after(() => h.close());
    const pub = await connect(url('publish'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 1, 5_000, 'the publisher joined');
    hold();
    const rec = await connect(url('receive'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 2 && asked() === 1, 5_000, 'the receiver waits for the registry');
    sendChunks(pub, 'a', 'b', 'c', 'd', 'e');
    await eventually(() => h.dialect.stats().chunksIn === 5, 5_000, 'chunks in');
    release();
    await rec.until(() => chunks(rec).length === 5);
    assert.deepEqual(chunks(rec), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(rec.ws.readyState, rec.ws.OPEN);
    pub.close();
  });

  it('one live chunk past maxPendingDuringReplay closes the waiting receiver with 4008; the publisher goes on', async (t) => {
    const { h, url, hold, release, asked } = await start(5);
    t.after(() => h.close());
    t.after(release);
    const pub = await connect(url('publish'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 1, 5_000, 'the publisher joined');
    hold();
    const rec = await connect(url('receive'));
    await eventually(() => h.hub.subscriberCount('relay:c') === 2 && asked() === 1, 5_000, 'the receiver waits for the registry');
    sendChunks(pub, 'a', 'b', 'c', 'd', 'e', 'f');
    const closed = await rec.closed;
    assert.equal(closed.code, 4008);
    assert.deepEqual(chunks(rec), [], 'nothing was played before the key was checked');
    assert.equal(pub.ws.readyState, pub.ws.OPEN, 'the publisher was never closed');
    pub.close();
  });
});
