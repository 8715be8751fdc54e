/**
 * Spectra overlays and observers across a restart (issue 14). The overlay is Spectra-Frontend's
 * SocketService (`ValoSpectra/Spectra-Frontend` src/app/services/SocketService.ts, 0.3.4):
 * `io.connect(endpoint, { autoConnect: true, reconnection: true })`, `logon` at once and again on
 * the manager's `reconnect`, `match_data` parsed from a JSON string. socket.io-client reconnects
 * after a transport close, never after an explicit server `disconnect` ("io server disconnect").
 * The observer is Spectra-Client's ConnectorService (`ValoSpectra/Spectra-Client`
 * src/services/connectorService.ts): `reconnection: true`, 1 s → 5 s, and it sends `obs_logon`
 * only when the person clicks Connect, so on the new node it logs on again by that click.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { ManualClock } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { logonPayload } from '../spectra/helpers.js';
import { samePorts, startNode } from './helpers.js';

interface Overlay {
  readonly socket: Socket;
  readonly reasons: string[];
  readonly states: Record<string, unknown>[];
  reconnects: number;
  logons: number;
}

/** SocketService.connectMatch, recording what the overlay sees. */
function overlay(port: number, groupCode: string): Overlay {
  const socket = io(`http://127.0.0.1:${port}`, { autoConnect: true, reconnection: true, forceNew: true });
  const o: Overlay = { socket, reasons: [], states: [], reconnects: 0, logons: 0 };
  socket.on('match_data', (data: string) => o.states.push(JSON.parse(data) as Record<string, unknown>));
  socket.on('logon_success', () => (o.logons += 1));
  socket.on('disconnect', (reason) => o.reasons.push(reason));
  socket.io.on('reconnect', () => {
    o.reconnects += 1;
    socket.emit('logon', JSON.stringify({ groupCode }));
  });
  socket.emit('logon', JSON.stringify({ groupCode }));
  return o;
}

/** ConnectorService.handleAuthProcess: one click on Connect. */
function observerClick(port: number, groupCode: string): { socket: Socket; reasons: string[]; acked: Promise<boolean> } {
  const socket = io(`http://127.0.0.1:${port}`, { reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 5000, forceNew: true });
  const reasons: string[] = [];
  socket.on('disconnect', (reason) => reasons.push(reason));
  const acked = new Promise<boolean>((resolve) =>
    socket.once('obs_logon_ack', (msg: string) => resolve((JSON.parse(msg) as { value: boolean }).value === true)),
  );
  socket.emit('obs_logon', JSON.stringify(logonPayload(groupCode)));
  return { socket, reasons, acked };
}

it('overlays and the observer are cut one by one over the window as a transport close; overlays reconnect and log on again by themselves', async (t) => {
  const settings = { emitIntervalMs: 50, requireAuthKey: false, development: true };
  const clock = new ManualClock(0);
  const windowMs = 8_000;
  const old = await startNode('spectra', { clock, settings, server: { shutdownDrainWindowMs: windowMs, shutdownDeadlineMs: 60_000 } });
  let closing: Promise<void> | null = null;
  t.after(() => closing ?? old.close());
  const ports = samePorts(old, 'spectra');

  const first = observerClick(ports.ingestPort!, 'DEPLOY');
  t.after(() => first.socket.close());
  assert.equal(await first.acked, true);
  const overlays = [0, 1, 2].map(() => overlay(ports.outputPort!, 'DEPLOY'));
  t.after(() => overlays.forEach((o) => o.socket.close()));
  await eventually(() => overlays.every((o) => o.logons === 1 && o.socket.io.engine.transport.name === 'websocket'), 'every overlay logged on', 15_000);
  clock.advance(settings.emitIntervalMs); // one tick of the send loop (notes §4.4)
  await eventually(() => overlays.every((o) => o.states.length > 0), 'match_data on every overlay', 15_000);

  closing = old.close();
  const next = await startNode('spectra', { settings: { ...settings, ...ports } });
  t.after(() => next.close());
  // Four Engine.IO connections, four slots: just before the middle of the window exactly two were cut.
  const cut = () => first.reasons.length + overlays.reduce((n, o) => n + o.reasons.length, 0);
  clock.advance(windowMs / 2 - 1);
  await eventually(() => cut() === 2, 'two connections cut', 10_000);
  assert.equal(old.dialects.get('spectra')!.stats().connections, 2, 'the other two are still connected to the old node');
  clock.advance(windowMs / 2);
  await eventually(() => overlays.every((o) => o.reconnects === 1 && o.logons === 2), 'every overlay to reconnect and log on again', 20_000);
  for (const o of overlays) assert.equal(o.reasons[0], 'transport close', 'a transport close, never "io server disconnect"');
  assert.equal(first.reasons[0], 'transport close', 'the observer reconnects its transport too');

  // The observer's person clicks Connect again: the match goes on on the new node, and the overlays see it.
  const before = overlays.map((o) => o.states.length);
  const second = observerClick(ports.ingestPort!, 'DEPLOY');
  t.after(() => second.socket.close());
  assert.equal(await second.acked, true);
  await eventually(() => overlays.every((o, i) => o.states.length > before[i]!), 'match_data from the new node', 15_000);
  await closing;
});

it('an overlay on long-polling is cut at shutdown and reconnects to the successor, logging on again', async (t) => {
  const settings = { emitIntervalMs: 50, requireAuthKey: false, development: true };
  const old = await startNode('spectra', { settings, server: { shutdownDrainWindowMs: 0, shutdownDeadlineMs: 10_000 } });
  let closing: Promise<void> | null = null;
  t.after(() => closing ?? old.close());
  const ports = samePorts(old, 'spectra');
  // SocketService with the transport pinned to long-polling (what a client behind a proxy without WebSocket gets).
  const socket = io(`http://127.0.0.1:${ports.outputPort!}`, { transports: ['polling'], reconnection: true, reconnectionDelay: 100, forceNew: true });
  t.after(() => socket.close());
  const reasons: string[] = [];
  let logons = 0;
  socket.on('disconnect', (reason) => reasons.push(reason));
  socket.on('logon_success', () => (logons += 1));
  socket.io.on('reconnect', () => socket.emit('logon', JSON.stringify({ groupCode: 'POLL' })));
  socket.emit('logon', JSON.stringify({ groupCode: 'POLL' }));
  await eventually(() => logons === 1, 'the polling overlay logged on', 15_000);

  closing = old.close();
  const next = await startNode('spectra', { settings: { ...settings, ...ports } });
  t.after(() => next.close());
  await closing;
  await eventually(() => logons === 2, 'the overlay reconnected to the successor and logged on again', 20_000);
  // A pending poll gets the close packet (`transport close`); a transport closed between polls answers the next poll
  // 400 "Session ID unknown" (`transport error`, src/dialects/spectra/hang-up.ts). Either way socket.io-client reconnects.
  assert.ok(['transport close', 'transport error'].includes(reasons[0]!), `cut as a transport close or error, never "io server disconnect": ${reasons[0]}`);
});
