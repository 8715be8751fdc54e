/**
 * The stream control HTTP API (issue #3): authenticated by NOVA_CONTROL_TOKEN, start / end /
 * quality / bitrate / error, each reaching the viewers; validation and state errors as JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROL_TOKEN, events, ofEvent, START, startNova, STREAM, viewer, type NovaHarness } from './fixtures.js';

async function call(h: NovaHarness, method: string, path: string, body?: unknown, token: string | null = CONTROL_TOKEN) {
  const res = await fetch(h.http(path), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { stream?: Record<string, unknown> } };
}

describe('nova control API', () => {
  it('refuses without the control token (401) and answers 503 when no token is configured', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    const none = await call(h, 'POST', `/api/v1/streams/${STREAM}/start`, START, null);
    assert.equal(none.status, 401);
    assert.equal(none.body.error_code, 'UNAUTHORIZED');
    assert.equal((await call(h, 'POST', `/api/v1/streams/${STREAM}/start`, START, 'wrong-token')).status, 401);
    assert.equal(h.dialect.control.info(STREAM), null, 'nothing started');
    const off = await startNova({ controlToken: null });
    t.after(() => off.close());
    const r = await call(off, 'POST', `/api/v1/streams/${STREAM}/start`, START);
    assert.equal(r.status, 503);
    assert.equal(r.body.error_code, 'CONTROL_DISABLED');
  });

  it('drives a whole stream lifecycle that viewers see', async (t) => {
    const h = await startNova();
    t.after(() => h.close());
    const started = await call(h, 'POST', `/api/v1/streams/${STREAM}/start`, START);
    assert.equal(started.status, 200);
    assert.equal(started.body.stream!.status, 'active');
    const c = await viewer(h);
    assert.equal((await call(h, 'POST', `/api/v1/streams/${STREAM}/quality`, { new_quality: '720p', new_bitrate_kbps: 3000, reason: 'adaptive_bitrate' })).status, 200);
    assert.equal((await call(h, 'POST', `/api/v1/streams/${STREAM}/bitrate`, { current_bitrate_kbps: 2900, health: 'good' })).status, 200);
    const err = await call(h, 'POST', `/api/v1/streams/${STREAM}/error`, { error_code: 'RTMP_HANDSHAKE_FAILED', error_message: 'handshake', severity: 'error', recoverable: true });
    assert.equal(err.status, 200);
    const info = await call(h, 'GET', `/api/v1/streams/${STREAM}`);
    assert.equal(info.body.stream!.quality, '720p');
    assert.equal(info.body.stream!.viewer_count, 1);
    const ended = await call(h, 'POST', `/api/v1/streams/${STREAM}/end`, { reason: 'session_timeout' });
    assert.equal(ended.status, 200);
    assert.equal(ended.body.stream!.status, 'ended');
    assert.equal((await c.closed).code, 1000);
    assert.deepEqual(events(c.messages).filter((e) => e !== 'viewer_count_changed'), [
      'connection_established',
      'stream_started',
      'quality_changed',
      'bitrate_update',
      'error',
      'stream_ended',
    ]);
    assert.equal(ofEvent(c.messages, 'bitrate_update')[0]!.data.health, 'good');
    assert.equal(ofEvent(c.messages, 'stream_ended')[0]!.data.reason, 'session_timeout');
  });

  it('validation and state errors: 400, 404, 409, 405, 413', async (t) => {
    const h = await startNova({ controlMaxBodyBytes: 1024 });
    t.after(() => h.close());
    const base = `/api/v1/streams/${STREAM}`;
    assert.equal((await call(h, 'POST', `${base}/quality`, { new_quality: '720p', new_bitrate_kbps: 1 })).status, 404, 'not started');
    assert.equal((await call(h, 'POST', `${base}/start`, { ...START, fps: 'sixty' })).status, 400);
    assert.equal((await call(h, 'POST', `${base}/start`, '{nope')).status, 400);
    assert.equal((await call(h, 'POST', `${base}/start`, { ...START, extra: 1 })).status, 400, 'unknown fields are refused');
    assert.equal((await call(h, 'POST', `${base}/start`, { ...START, description: 'd'.repeat(2000) })).status, 413);
    assert.equal((await call(h, 'POST', `${base}/start`, START)).status, 200);
    assert.equal((await call(h, 'POST', `${base}/start`, START)).status, 409, 'already live');
    const badReason = await call(h, 'POST', `${base}/end`, { reason: 'bored' });
    assert.equal(badReason.status, 400);
    assert.equal(badReason.body.error_code, 'INVALID_REQUEST');
    assert.equal((await call(h, 'POST', `${base}/error`, { error_code: 'lower case', error_message: 'x' })).status, 400);
    assert.equal((await call(h, 'GET', `${base}/start`)).status, 405);
    assert.equal((await call(h, 'POST', '/api/v1/streams/not-a-uuid/start', START)).status, 404);
    assert.equal((await call(h, 'POST', `${base}/end`)).status, 200, 'the reason defaults to broadcaster_ended');
    assert.equal((await call(h, 'POST', `${base}/end`)).status, 409, 'already ended');
    assert.equal((await call(h, 'GET', '/nowhere')).status, 404);
  });

  it('a full registry of live streams refuses a new start with 503; ended streams make room', async (t) => {
    const h = await startNova({ maxStreams: 1 });
    t.after(() => h.close());
    const other = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    assert.equal((await call(h, 'POST', `/api/v1/streams/${STREAM}/start`, START)).status, 200);
    assert.equal((await call(h, 'POST', `/api/v1/streams/${other}/start`, START)).status, 503);
    await call(h, 'POST', `/api/v1/streams/${STREAM}/end`);
    assert.equal((await call(h, 'POST', `/api/v1/streams/${other}/start`, START)).status, 200);
  });
});
