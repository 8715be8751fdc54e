/** Notes §3.6: KEY_VERIFICATION_URL: POST with channel, key and client IP headers; 200 valid; error/timeout deny. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { connect, refusal } from '../helpers/ws-client.js';
import { chunks, eventually, hasChunks, sendChunks, startRelay } from './helpers.js';

interface Verifier {
  readonly url: string;
  readonly seen: { method: string; headers: IncomingHttpHeaders }[];
  /** Requests still waiting for an answer (the slow key). */
  readonly waiting: number;
  close(): Promise<void>;
}

/** A coordinator stand-in: key `good*` → 200, `slow` → 200 after `slowMs` (or never), anything else → 403. */
async function startVerifier(slowMs: number | null = null): Promise<Verifier> {
  const seen: Verifier['seen'] = [];
  let waiting = 0;
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', headers: req.headers });
    const key = String(req.headers['x-streaming-key']);
    if (key.startsWith('good')) return void res.writeHead(200).end('ok');
    if (key === 'slow') {
      waiting += 1;
      if (slowMs !== null) setTimeout(() => res.writeHead(200).end('late'), slowMs).unref();
      res.once('close', () => (waiting -= 1));
      return;
    }
    res.writeHead(403).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`,
    seen,
    get waiting() {
      return waiting;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('relay key verification by HTTP POST', () => {
  it('200 accepts the publisher; the POST carries x-streaming-channel, x-streaming-key, x-user-ip (and the auth header)', async (t) => {
    const v = await startVerifier();
    t.after(() => v.close());
    const h = await startRelay({ keyVerification: { url: v.url, authorization: 'Bearer coord' } });
    t.after(() => h.close());
    const pub = await connect(h.url('chan', 'good-key', 'publish'));
    assert.equal(v.seen.length, 1);
    assert.equal(v.seen[0]!.method, 'POST');
    assert.equal(v.seen[0]!.headers['x-streaming-channel'], 'chan');
    assert.equal(v.seen[0]!.headers['x-streaming-key'], 'good-key');
    assert.equal(v.seen[0]!.headers['x-user-ip'], '127.0.0.1');
    assert.equal(v.seen[0]!.headers.authorization, 'Bearer coord');
    // Receivers are never sent to the verifier; they must present the publisher's key.
    const rec = await connect(h.url('chan', 'good-key', 'receive'));
    const wrong = await connect(h.url('chan', 'good-other', 'receive'));
    sendChunks(pub, 'header');
    await rec.until(hasChunks(rec, 1));
    await wrong.closed;
    assert.ok(wrong.messages.includes('ERROR: Invalid streaming key'));
    assert.deepEqual(chunks(wrong), []);
    assert.equal(v.seen.length, 1);
    pub.close();
  });

  it('a non-200 answer refuses with 403 "Invalid Key." and frees the channel', async (t) => {
    const v = await startVerifier();
    t.after(() => v.close());
    const h = await startRelay({ keyVerification: { url: v.url } });
    t.after(() => h.close());
    const r = await refusal(h.url('chan', 'bad', 'publish'));
    assert.deepEqual([r.status, r.body], [403, 'Invalid Key.']);
    (await connect(h.url('chan', 'good', 'publish'))).close();
  });

  it('a timeout denies (403), and so does an unreachable verifier', async (t) => {
    const v = await startVerifier(null);
    t.after(() => v.close());
    const h = await startRelay({ keyVerification: { url: v.url, timeoutMs: 150 } });
    t.after(() => h.close());
    const r = await refusal(h.url('chan', 'slow', 'publish'));
    assert.deepEqual([r.status, r.body], [403, 'Invalid Key.']);
    await eventually(() => v.waiting === 0, 5_000, 'the timed-out request was aborted');
    await v.close();
    const down = await refusal(h.url('chan', 'good', 'publish'));
    assert.deepEqual([down.status, down.body], [403, 'Invalid Key.']);
    assert.equal(h.dialect.stats().publishers, 0);
  });

  it('the channel is reserved atomically once the key is checked: of simultaneous publishers one wins, the others get "Already publishing."', async (t) => {
    const v = await startVerifier(100);
    t.after(() => v.close());
    const h = await startRelay({ perIpMax: 20, keyVerification: { url: v.url } });
    t.after(() => h.close());
    const attempts = Array.from({ length: 5 }, () => connect(h.url('chan', 'slow', 'publish')));
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.deepEqual(
      lost.map((r) => [(r.reason as { status: number }).status, (r.reason as { body: string }).body]),
      Array.from({ length: 4 }, () => [403, 'Already publishing.']),
    );
    // Issue 20: nothing is reserved before the verifier answers, so each was verified; the reservation after it is atomic.
    assert.equal(v.seen.length, 5);
    for (const w of won) (w as PromiseFulfilledResult<Awaited<ReturnType<typeof connect>>>).value.close();
  });

  it('a receive-clear-cache receiver that joins while the publisher is being verified still disables its cache', async (t) => {
    let answer: (() => void) | null = null;
    const server = createServer((_req, res) => {
      answer = () => res.writeHead(200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const h = await startRelay({ keyVerification: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` } });
    t.after(() => h.close());
    const pending = connect(h.url('c', 'k', 'publish'));
    await eventually(() => answer !== null, 5_000, 'verification requested');
    // Nothing is reserved before the key is verified (issue 20): the receiver waits for a publisher.
    const clearer = await connect(h.url('c', 'k', 'receive-clear-cache'));
    await eventually(() => h.dialect.stats().receivers === 1 && h.dialect.stats().idleReceivers === 1);
    answer!();
    const pub = await pending;
    const witness = await connect(h.url('c', 'k', 'receive'));
    sendChunks(pub, 'header', 'a');
    await clearer.until(hasChunks(clearer, 2));
    await witness.until(hasChunks(witness, 2));
    await eventually(async () => {
      const hist = await h.hub.history('relay:c');
      return hist.snapshot === null && hist.messages.length === 0;
    }, 5_000, 'cache disabled');
    sendChunks(pub, 'b');
    await witness.until(hasChunks(witness, 3));
    const hist = await h.hub.history('relay:c');
    assert.equal(hist.snapshot, null);
    assert.deepEqual(hist.messages, []);
    pub.close();
  });
});
