/**
 * The README's first example, as written: the SDK with no token reads `match:demo` from a StreamHub
 * running its demo producers (`npm start`: no JWT key configured, so the streamhub dialect gives
 * read access without a token), and gets the MatchInit first, then the match's messages. Publishing
 * still needs a token.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import WebSocket from 'ws';
import { StreamHubClient, type Publication, type WebSocketConstructor } from '../../sdk/src/index.js';
import { portOf, startTestHub } from '../helpers/streamhub.js';

it('README: the SDK subscribes to the demo match without a token while the demo producers run', async (t) => {
  const hub = await startTestHub({ server: { demo: true }, match: { demo: { statsbomb: false } } });
  t.after(() => hub.close());
  const client = new StreamHubClient(`ws://127.0.0.1:${portOf(hub, 'streamhub')}`, { WebSocket: WebSocket as unknown as WebSocketConstructor }).connect();
  t.after(() => client.disconnect());
  const got: Publication[] = [];
  const match = client.subscribe('match:demo');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} publications`)), 20_000);
    match.on('publication', (p) => {
      got.push(p);
      if (got.length >= 3) (clearTimeout(timer), resolve());
    });
  });
  assert.equal((got[0]!.data as { type: string }).type, 'match.init', 'the MatchInit (the snapshot) first');
  assert.ok(got.every((p, i) => i === 0 || p.offset > got[i - 1]!.offset), 'offsets rise');
  await assert.rejects(client.publish('streamhub:readme', { hi: 1 }), 'publishing needs a token');
});
