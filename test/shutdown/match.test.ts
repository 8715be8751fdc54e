/**
 * Match renderers across a restart (issue 14). The client is tournamental's spec-client
 * (`0800tim/tournamental` packages/spec-client/src/ws.ts): on every `close`, whatever the code, it
 * reconnects after a delay that starts at 1 s, doubles up to 8 s, and is reset by `open`; a new
 * `match.init` resets its store (store.ts). The old node runs on a ManualClock, so the jittered
 * drain is observed at clock instants: half way through the window, half the renderers have moved
 * to the new node and the other half are still served by the old one.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import WebSocket from 'ws';
import { ManualClock } from '../../src/core/index.js';
import type { MatchDialect } from '../../src/dialects/match/index.js';
import { eventually } from '../helpers/eventually.js';
import { matchInit, state } from '../match/fixtures.js';
import { samePorts, startNode } from './helpers.js';

interface Renderer {
  readonly frames: { type: string; t?: number }[];
  readonly closes: number[];
  readonly socket: () => WebSocket | null;
  stop(): void;
}

/** spec-client's wsSource: reconnect on any close with capped exponential backoff (1 s → 8 s). */
function specClient(url: string): Renderer {
  const frames: { type: string; t?: number }[] = [];
  const closes: number[] = [];
  let socket: WebSocket | null = null;
  let stopped = false;
  let retryDelay = 1000;
  let retryTimer: NodeJS.Timeout | null = null;
  const scheduleRetry = () => {
    if (stopped) return;
    retryTimer = setTimeout(() => {
      retryDelay = Math.min(retryDelay * 2, 8000);
      connect();
    }, retryDelay);
  };
  const connect = () => {
    if (stopped) return;
    socket = new WebSocket(url);
    socket.addEventListener('open', () => (retryDelay = 1000));
    socket.addEventListener('message', (ev) => frames.push(JSON.parse(String(ev.data)) as { type: string }));
    socket.addEventListener('close', (ev) => {
      closes.push(ev.code);
      scheduleRetry();
    });
    socket.addEventListener('error', () => undefined);
  };
  connect();
  return {
    frames,
    closes,
    socket: () => socket,
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.terminate();
    },
  };
}

const hellos = (r: Renderer) => r.frames.filter((f) => f.type === 'hello').length;
const inits = (r: Renderer) => r.frames.filter((f) => f.type === 'match.init').length;

it('renderers leave one by one over the window, reconnect by themselves and get hello + MatchInit from the new node', async (t) => {
  const clock = new ManualClock(0);
  const windowMs = 8_000;
  const old = await startNode('match', { clock, server: { shutdownDrainWindowMs: windowMs, shutdownDeadlineMs: 60_000 } });
  let closing: Promise<void> | null = null;
  t.after(() => closing ?? old.close());
  const oldMatch = old.dialects.get('match') as MatchDialect;
  await oldMatch.publish('final', matchInit('final'));
  const { port } = samePorts(old, 'match');
  const renderers = Array.from({ length: 4 }, () => specClient(`ws://127.0.0.1:${port}/v1/match/final`));
  t.after(() => renderers.forEach((r) => r.stop()));
  await eventually(() => renderers.every((r) => inits(r) === 1), 'every renderer to get its MatchInit');

  closing = old.close();
  const next = await startNode('match', { settings: { port } });
  t.after(() => next.close());
  await (next.dialects.get('match') as MatchDialect).publish('final', matchInit('final'));

  // Just before the middle of the window: exactly the two renderers of the first two slots have moved.
  clock.advance(windowMs / 2 - 1);
  await eventually(() => renderers.filter((r) => hellos(r) === 2 && inits(r) === 2).length === 2, 'two renderers on the new node', 10_000);
  const staying = renderers.filter((r) => hellos(r) === 1);
  assert.equal(staying.length, 2, 'the other two have not been ended yet');
  // …and are still served by the old node meanwhile.
  await oldMatch.publish('final', state(1_000));
  await eventually(() => staying.every((r) => r.frames.some((f) => f.type === 'state' && f.t === 1_000)), 'a live frame on the old node');
  assert.ok(staying.every((r) => r.socket()?.readyState === WebSocket.OPEN && r.closes.length === 0));

  clock.advance(windowMs / 2);
  await eventually(() => renderers.every((r) => hellos(r) === 2 && inits(r) === 2), 'every renderer on the new node', 10_000);
  await closing;
  for (const r of renderers) assert.deepEqual(r.closes, [1001], 'one close each, with "going away"');
});
