/**
 * The spectra demo observer (`npm start`): a real socket.io-client, as the Spectra client uses it
 * (long-polling first, then the upgrade), logs on to group `DEMO` and plays session-script.ts in
 * real time, match after match, until the signal aborts. Each match uses a fresh connection,
 * because the server removes the match at `game_end`.
 */
import { io, type Socket } from 'socket.io-client';
import { buildSessionScript } from './session-script.js';
import { ErrorCode, StreamHubError } from '../../core/index.js';

export interface SpectraDemoOptions {
  /** `http(s)://host:5100`. */
  readonly ingestUrl: string;
  readonly groupCode: 'DEMO';
  /** Sent as the logon `key` (AUTH_KEY, or the dialect's producer key). */
  readonly authKey?: string;
  /** Typical pause between events, ms (default 1000). */
  readonly paceMs?: number;
}

/** The client version the demo reports (inside the default compatible range). */
export const DEMO_CLIENT_VERSION = '0.3.3';
const RETRY_MS = 5_000;

/** Starts the demo loop in the background; it stops when `signal` aborts. */
export function startSpectraDemo(options: SpectraDemoOptions, signal: AbortSignal): void {
  void loop(options, signal);
}

async function loop(options: SpectraDemoOptions, signal: AbortSignal): Promise<void> {
  let seed = 3;
  while (!signal.aborted) {
    try {
      await playMatch(options, seed, signal);
      seed += 1;
    } catch {
      // The server may not be up yet, or refused the logon: try again a little later.
    }
    await pause(RETRY_MS, signal);
  }
}

async function playMatch(options: SpectraDemoOptions, seed: number, signal: AbortSignal): Promise<void> {
  const script = buildSessionScript(seed, options.paceMs ?? 1_000);
  const socket: Socket = io(options.ingestUrl, { reconnection: false, rejectUnauthorized: false, timeout: 10_000 });
  const onAbort = () => socket.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const ack = new Promise<{ value: boolean; reason: string }>((resolve, reject) => {
      socket.once('obs_logon_ack', (raw: string) => resolve(JSON.parse(raw) as { value: boolean; reason: string }));
      socket.once('disconnect', () => reject(new StreamHubError(ErrorCode.producer, 'disconnected before the logon ack')));
    });
    socket.emit(
      'obs_logon',
      JSON.stringify({
        type: 'authenticate',
        clientVersion: DEMO_CLIENT_VERSION,
        obsName: 'StreamHub demo observer',
        key: options.authKey,
        groupCode: options.groupCode,
        leftTeam: script.leftTeam,
        rightTeam: script.rightTeam,
        toolsData: {
          seriesInfo: { needed: 1, wonLeft: 0, wonRight: 0, mapInfo: [] },
          tournamentInfo: { name: 'StreamHub Invitational', logoUrl: '', backdropUrl: '' },
          timeoutDuration: 60,
          timeoutCounter: { max: 2, left: 2, right: 2 },
        },
      }),
    );
    const result = await ack;
    if (!result.value) throw new StreamHubError(ErrorCode.producer, `logon refused: ${result.reason}`);
    for (const step of script.steps) {
      if (signal.aborted || socket.disconnected) return;
      await pause(step.delayMs, signal);
      socket.emit('obs_data', JSON.stringify({ obsName: 'StreamHub demo observer', groupCode: options.groupCode, type: step.type, data: step.data }));
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    socket.disconnect();
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
