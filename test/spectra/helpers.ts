/**
 * Spectra test helpers: a dialect on port 0 and real socket.io-client 4.8 clients used as the
 * Spectra client and front end use them (long-polling first, then the upgrade).
 */
import { io, type Socket } from 'socket.io-client';
import type { Clock } from '../../src/core/index.js';
import { createSpectraDialect, type SpectraDialect } from '../../src/dialects/spectra/index.js';
import { startDialect, testConfig, type DialectHarness } from '../helpers/harness.js';

export type Harness = DialectHarness<SpectraDialect>;

/** Starts spectra with test-friendly settings; ports are forced to 0. */
export async function startSpectra(overrides: Record<string, unknown> = {}, run: { clock?: Clock } = {}): Promise<Harness> {
  const options = testConfig({
    spectra: { ingestPort: 0, outputPort: 0, statusPort: 0, emitIntervalMs: 20, development: true, requireAuthKey: false, ...overrides },
  }).spectra;
  return startDialect((ctx) => createSpectraDialect(ctx, options), run.clock ? { clock: run.clock } : {});
}

const opened = new Set<Socket>();

/** Closes every client the helpers opened (call from `after`). */
export function closeClients(): void {
  for (const socket of opened) socket.close();
  opened.clear();
}

/** A connected client; `reconnection` off unless asked for. */
export function client(port: number, options: Parameters<typeof io>[1] = {}): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, ...options });
  opened.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Waits for one event; resolves with its first argument. */
export function once<T = unknown>(socket: Socket, event: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    });
  });
}

/**
 * Resolves with the reason when the socket is disconnected, once its Engine.IO connection has
 * closed too (so no transport is left half-closed when the test's server shuts down).
 */
export async function disconnected(socket: Socket, timeoutMs = 15_000): Promise<string> {
  const reason = socket.disconnected ? 'already' : await once<string>(socket, 'disconnect', timeoutMs);
  const engine = socket.io.engine;
  if (engine && engine.readyState !== 'closed') await new Promise<void>((resolve) => engine.once('close', () => resolve()));
  return reason;
}

export interface Ack {
  type: string;
  value: boolean;
  reason?: string;
}

export const TEAMS = {
  leftTeam: { name: 'Left Side', tricode: 'LFT', url: 'https://example.invalid/l.png', attackStart: true },
  rightTeam: { name: 'Right Side', tricode: 'RGT', url: 'https://example.invalid/r.png', attackStart: false },
};

export function logonPayload(groupCode: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'authenticate',
    clientVersion: '0.3.3',
    obsName: 'obs',
    key: 'k',
    groupCode,
    ...TEAMS,
    toolsData: { timeoutDuration: 60, playercamsInfo: { enable: true, identifier: 'cam', secret: 'TOPSECRET-CAM', endTime: 123456 } },
    ...extra,
  };
}

/** Emits `obs_logon` (as a string, like the real client) and resolves with the parsed ack. */
export async function obsLogon(socket: Socket, payload: unknown): Promise<Ack> {
  const ack = once<string>(socket, 'obs_logon_ack');
  socket.emit('obs_logon', typeof payload === 'string' ? payload : JSON.stringify(payload));
  return JSON.parse(await ack) as Ack;
}

/** A logged-on observer for `groupCode`; returns the socket and the group secret. */
export async function observer(h: Harness, groupCode: string, extra: Record<string, unknown> = {}): Promise<{ socket: Socket; secret: string }> {
  const socket = await client(h.port('ingest'));
  const ack = await obsLogon(socket, logonPayload(groupCode, extra));
  if (!ack.value) throw new Error(`logon failed: ${ack.reason}`);
  return { socket, secret: ack.reason! };
}

export function sendData(socket: Socket, groupCode: string, type: string, data: unknown): void {
  socket.emit('obs_data', JSON.stringify({ obsName: 'obs', groupCode, type, data }));
}

/** An overlay that logged on and records every match_data (parsed) it gets. */
export interface Overlay {
  readonly socket: Socket;
  readonly raw: unknown[];
  readonly states: Record<string, any>[];
  until(predicate: (states: Record<string, any>[]) => boolean, timeoutMs?: number): Promise<Record<string, any>[]>;
}

export async function overlay(h: Harness, groupCode: string, options: Parameters<typeof io>[1] = {}): Promise<Overlay> {
  const socket = await client(h.port('output'), options);
  const raw: unknown[] = [];
  const states: Record<string, any>[] = [];
  const checks = new Set<() => void>();
  socket.on('match_data', (msg: unknown) => {
    raw.push(msg);
    states.push(JSON.parse(String(msg)) as Record<string, any>);
    for (const check of [...checks]) check();
  });
  const success = once<string>(socket, 'logon_success');
  socket.emit('logon', JSON.stringify({ groupCode }));
  await success;
  return {
    socket,
    raw,
    states,
    until(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(states)) return;
          checks.delete(check);
          clearTimeout(timer);
          resolve(states);
        };
        const timer = setTimeout(() => {
          checks.delete(check);
          reject(new Error(`overlay condition not met within ${timeoutMs} ms (${states.length} states)`));
        }, timeoutMs);
        checks.add(check);
        check();
      });
    },
  };
}

export function latest(o: Overlay): Record<string, any> {
  return o.states[o.states.length - 1]!;
}
