/**
 * Tokens against a real server (PROTOCOL.md §3, §6, §15): the SDK refreshes a short-lived token on
 * the open connection before `exp`, so the server never closes it; and when a refresh fails, the
 * server's 4003 `token_expired` close leads to a reconnect with a new token and a resume. The tokens
 * live 3 s (JWT `exp` has second granularity), so these tests take a few seconds each.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DisconnectedEvent, Publication, StreamHubError, SubscribedEvent } from '../../sdk/src/index.js';
import { eventually } from '../helpers/eventually.js';
import { ALL, client, record, startStreamhub, token } from './fixtures.js';

const STRICT_EXPIRY = { auth: { clockToleranceMs: 0, refreshAheadMs: 1_000 } };

describe('sdk token refresh', () => {
  it('refreshes before exp on the open connection: no disconnect, still receiving after the first exp', async (t) => {
    const h = await startStreamhub(STRICT_EXPIRY);
    t.after(() => h.close());
    let calls = 0;
    const c = client(h.url, { getToken: () => (calls++, token(ALL, 3)) }).connect();
    t.after(() => c.disconnect());
    const disconnects = record<DisconnectedEvent>((l) => c.on('disconnected', l));
    const refreshed = record<{ expiresAt: number | null }>((l) => c.on('refreshed', l));
    const first = await c.ready();
    const sub = c.subscribe('streamhub:clock');
    const pubs = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    await eventually(() => refreshed.length >= 2, 'two refreshes', 10_000);
    assert.ok((refreshed[1]?.expiresAt ?? 0) > (first.expiresAt ?? Infinity), 'a later expiry each time');
    await eventually(() => Date.now() > (first.expiresAt ?? 0) + 500, 'past the first token’s exp', 10_000);
    await c.publish('streamhub:clock', { after: 'exp' });
    await eventually(() => pubs.length === 1, 'a publication after the first exp');
    assert.deepEqual(disconnects, []);
    // One token per connect and per refresh (a refresh may be in flight: its token asked for, not yet acked).
    assert.ok(calls === 1 + refreshed.length || calls === 2 + refreshed.length, `${calls} tokens for ${refreshed.length} refreshes`);
  });

  it('after a failed refresh, 4003 token_expired → reconnect with a new token → resume', async (t) => {
    const h = await startStreamhub(STRICT_EXPIRY);
    t.after(() => h.close());
    let phase: 'first' | 'failing' | 'healthy' = 'first';
    const getToken = async () => {
      if (phase === 'first') {
        phase = 'failing';
        return token(ALL, 3);
      }
      if (phase === 'failing') throw new Error('identity provider down');
      return token(ALL, 3600);
    };
    const c = client(h.url, { getToken, transports: ['websocket'] }).connect();
    t.after(() => c.disconnect());
    const errors = record<StreamHubError>((l) => c.on('error', l));
    const disconnects = record<DisconnectedEvent>((l) => c.on('disconnected', l));
    c.on('disconnected', () => (phase = 'healthy'));
    const sub = c.subscribe('streamhub:news');
    const subscribed = record<SubscribedEvent>((l) => sub.on('subscribed', l));
    const pubs = record<Publication>((l) => sub.on('publication', l));
    await sub.ready();
    await c.publish('streamhub:news', { n: 1 });
    await eventually(() => subscribed.length === 2, 'subscribed again after the expiry', 10_000);
    assert.deepEqual(
      disconnects.map((d) => [d.code, d.reconnect]),
      [[4003, true]],
    );
    assert.ok(errors.some((e) => e.code === 'token'), 'the failed refresh was reported');
    assert.deepEqual([subscribed[1]?.resumed, subscribed[1]?.recovered], [true, true]);
    await c.publish('streamhub:news', { n: 2 });
    await eventually(() => pubs.length === 2, 'live again');
    assert.deepEqual(
      pubs.map((p) => p.data),
      [{ n: 1 }, { n: 2 }],
    );
  });
});
