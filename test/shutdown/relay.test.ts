/**
 * Relay players and publishers across a restart (issue 14). The clients are the ws-stream-server
 * test page (`AgustinSRG/tcp-video-streaming` ws-stream-server/test/test.js): on any close,
 * whatever the code, the player stops, drops its chunks and enables its Play button again; the
 * publisher stops its MediaRecorder and enables Publish. Neither reconnects by itself (nor does
 * the hls-encoder, whose reader loop ends on any error), so the person at the page clicks again:
 * here at once. The old node runs on a ManualClock, so the jittered drain is seen at clock instants.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import WebSocket from 'ws';
import { ManualClock } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { samePorts, startNode } from './helpers.js';

interface Page {
  /** Chunks received by the current play (the page empties its list on close). */
  readonly chunks: string[];
  readonly closes: number[];
  readonly plays: number;
  send(chunk: string): void;
  readonly open: boolean;
  stop(): void;
}

/** test.js onPlay / onPublish, with the person clicking the re-enabled button again after a close. */
function page(url: string): Page {
  let ws: WebSocket | null = null;
  let stopped = false;
  let plays = 0;
  const state = { chunks: [] as string[], closes: [] as number[] };
  const click = () => {
    if (stopped) return;
    plays += 1;
    const socket = new WebSocket(url);
    ws = socket;
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (ev) => {
      if (typeof ev.data !== 'string') state.chunks.push(Buffer.from(ev.data as ArrayBuffer).toString());
    };
    socket.onclose = (ev) => {
      state.closes.push(ev.code);
      state.chunks = [];
      ws = null;
      setTimeout(click, 50); // the button is enabled again; the viewer clicks it
    };
    socket.onerror = () => undefined;
  };
  click();
  return {
    get chunks() {
      return state.chunks;
    },
    closes: state.closes,
    get plays() {
      return plays;
    },
    get open() {
      return ws?.readyState === WebSocket.OPEN;
    },
    send(chunk) {
      ws?.send(Buffer.from(chunk));
    },
    stop() {
      stopped = true;
      ws?.terminate();
    },
  };
}

it('players end one by one over the window, the publisher last; clicked again, every player gets the stream from the new node', async (t) => {
  const clock = new ManualClock(0);
  const windowMs = 8_000;
  // One address plays five connections here: above the seed's 4 per IP (notes §3.2).
  const settings = { perIpMax: 10 };
  const old = await startNode('relay', { clock, settings, server: { shutdownDrainWindowMs: windowMs, shutdownDeadlineMs: 60_000 } });
  let closing: Promise<void> | null = null;
  t.after(() => closing ?? old.close());
  const { port } = samePorts(old, 'relay');
  const base = `ws://127.0.0.1:${port}/arena/k3y`;

  const publisher = page(`${base}/publish`);
  t.after(() => publisher.stop());
  await eventually(() => publisher.open, 'the publisher');
  publisher.send('header');
  const players = Array.from({ length: 4 }, () => page(`${base}/receive`));
  t.after(() => players.forEach((p) => p.stop()));
  await eventually(() => players.every((p) => p.chunks.includes('header')), 'every player to get the cached header');

  closing = old.close();
  const next = await startNode('relay', { settings: { ...settings, port } });
  t.after(() => next.close());

  // Just before the middle of the window: the players of the first two slots were closed and clicked again.
  clock.advance(windowMs / 2 - 1);
  await eventually(() => players.filter((p) => p.plays === 2 && p.open).length === 2, 'two players on the new node, waiting', 10_000);
  const staying = players.filter((p) => p.plays === 1);
  assert.equal(staying.length, 2, 'the other two are still playing');
  assert.equal(publisher.plays, 1, 'the publisher is still publishing to the old node');
  publisher.send('live-1');
  await eventually(() => staying.every((p) => p.chunks.includes('live-1')), 'the staying players to keep getting chunks');

  // The rest of the window: the last players, then the publisher, who publishes again on the new node.
  clock.advance(windowMs / 2);
  await eventually(() => publisher.plays === 2 && publisher.open, 'the publisher on the new node', 10_000);
  await eventually(() => players.every((p) => p.plays === 2 && p.open), 'every player on the new node', 10_000);
  publisher.send('after-deploy');
  await eventually(() => players.every((p) => p.chunks.includes('after-deploy')), 'the stream on every player again', 10_000);
  await closing;
  for (const p of players) assert.deepEqual(p.closes, [1001]);
});
