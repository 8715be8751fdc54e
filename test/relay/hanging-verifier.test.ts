/**
 * Issue 20 item 4: a publisher whose key check hangs holds nothing. The channel is reserved only
 * after the verifier said 200 (as the original registers its publisher only after the coordinator
 * accepted it: ws-stream-server session.go), so while a bad key's verification hangs for up to
 * `keyVerification.timeoutMs`, a publisher with a good key publishes, receivers are judged against
 * the verified key, and the hanging publisher finally gets 403 "Invalid Key.".
 * A real HTTP verifier on port 0: key `good*` → 200 at once, `hang` → never answers.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { connect, refusal, type RecordingClient } from '../helpers/ws-client.js';
import { chunks, eventually, hasChunks, sendChunks, startRelay } from './helpers.js';

interface HangingVerifier {
  readonly url: string;
  /** Keys asked about, in order. */
  readonly asked: string[];
  /** Requests left without an answer. */
  readonly hanging: number;
  close(): Promise<void>;
}

/** `together`: hold the `good*` answers until this many have been asked, then give them all (a barrier). */
async function startHangingVerifier(together = 1): Promise<HangingVerifier> {
  const asked: string[] = [];
  const held: (() => void)[] = [];
  let hanging = 0;
  const server: Server = createServer((req, res) => {
    const key = String(req.headers['x-streaming-key']);
    asked.push(key);
    if (key.startsWith('good')) {
      held.push(() => res.writeHead(200).end('ok'));
      if (held.length >= together) for (const answer of held.splice(0)) answer();
      return;
    }
    if (key === 'hang') {
      hanging += 1;
      res.once('close', () => (hanging -= 1));
      return;
    }
    res.writeHead(403).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`,
    asked,
    get hanging() {
      return hanging;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('relay: a hanging key verifier does not hold the channel', () => {
  it('a good publisher publishes while a bad key is still being verified; the bad one then gets "Invalid Key."', async (t) => {
    const v = await startHangingVerifier();
    t.after(() => v.close());
    // Long enough that the hanging check outlasts everything below, short enough to end the test.
    const timeoutMs = 4_000;
    const h = await startRelay({ perIpMax: 20, keyVerification: { url: v.url, timeoutMs } });
    t.after(() => h.close());

    const squatter = refusal(h.url('stage', 'hang', 'publish'));
    await eventually(() => v.hanging === 1, 5_000, 'the hanging verification is under way');
    // A receiver joining now waits for a publisher: it is not judged against the unverified key.
    const early = await connect(h.url('stage', 'good-key', 'receive'));

    const pub = await connect(h.url('stage', 'good-key', 'publish'));
    assert.equal(v.hanging, 1, 'the squatter is still being verified');
    const late = await connect(h.url('stage', 'good-key', 'receive'));
    sendChunks(pub, 'header', 'one');
    await early.until(hasChunks(early, 2));
    await late.until(hasChunks(late, 2));
    assert.deepEqual(chunks(early), ['header', 'one']);

    // The channel is taken now: another publisher is refused before any verifier call.
    const askedBefore = v.asked.length;
    const third = await refusal(h.url('stage', 'good-other', 'publish'));
    assert.deepEqual([third.status, third.body], [403, 'Already publishing.']);
    assert.equal(v.asked.length, askedBefore, 'no key check for a channel already published');

    // The squatter's check times out: a deny, as the coordinator counts it.
    const refused = await squatter;
    assert.deepEqual([refused.status, refused.body], [403, 'Invalid Key.']);
    // The publisher was not disturbed.
    sendChunks(pub, 'two');
    await late.until(hasChunks(late, 3));
    for (const c of [early, late, pub] as RecordingClient[]) c.close();
  });

  it('of publishers verified at once, each is verified, one reserves the channel and the others get "Already publishing."', async (t) => {
    // All four checks are in flight together, so each passes the "already publishing?" look first.
    const v = await startHangingVerifier(4);
    t.after(() => v.close());
    const h = await startRelay({ perIpMax: 20, keyVerification: { url: v.url } });
    t.after(() => h.close());
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => connect(h.url('race', `good-${i}`, 'publish'))));
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { status: number; body: string }] : []));
    assert.equal(won.length, 1);
    assert.deepEqual(
      lost.map((e) => [e.status, e.body]),
      Array.from({ length: 3 }, () => [403, 'Already publishing.']),
    );
    assert.equal(h.dialect.stats().publishers, 1);
    // Each was verified before any reservation (before issue 20 only the first was, holding the channel meanwhile).
    assert.deepEqual([...v.asked].sort(), ['good-0', 'good-1', 'good-2', 'good-3']);
    won[0]!.close();
  });
});
