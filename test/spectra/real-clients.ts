/**
 * Test clients that behave as the real Spectra clients do, read from their code (facts only):
 * - Spectra-Client 0.3.3 (`ValoSpectra/Spectra-Client`, `src/services/connectorService.ts`):
 *   `io.connect(url, {reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 5000,
 *   rejectUnauthorized: false})`, the logon emitted at once as a JSON string, the ack read with
 *   `once(...)` and honoured only when its `type` is the expected one (`authenticate` for
 *   observers, `aux_authenticate` for aux clients); a refusal is shown with its reason and the
 *   client disconnects. Data is `{obsName, groupCode, ...formatted}` / `{playerId, matchId,
 *   ...formatted}`, with the client's own PLAYER_ID in every aux message.
 * - Spectra-Frontend (`src/app/services/SocketService.ts`): `io.connect(endpoint, {autoConnect:
 *   true, reconnection: true})`, `logon` `{groupCode}` at once and again on every reconnect,
 *   `match_data` parsed with `JSON.parse`.
 */
import { io, type Socket } from 'socket.io-client';

const sockets = new Set<Socket>();

/** Closes every socket opened here (call from `after`). */
export function closeRealClients(): void {
  for (const s of sockets) s.close();
  sockets.clear();
}

function connect(port: number, options: Parameters<typeof io>[1]): Socket {
  const socket = io(`http://127.0.0.1:${port}`, { forceNew: true, ...options });
  sockets.add(socket);
  return socket;
}

/** What the client's ack handler ends in: connected, refused with a reason it shows, or nothing it understood. */
export interface LogonOutcome {
  readonly connected: boolean;
  readonly reason?: string;
}

export interface SpectraClient {
  readonly socket: Socket;
  /** Resolves when the client's `once(ack)` handler acted on an ack (never, for an ack it ignores). */
  readonly outcome: Promise<LogonOutcome>;
  /** Sends one formatted data message the way `sendToIngest` / `sendToIngestAux` do. */
  send(formatted: { type: string; data: unknown }): void;
}

const CLIENT_OPTIONS = { reconnection: true, reconnectionDelay: 1000, reconnectionDelayMax: 5000, rejectUnauthorized: false };

function logon(socket: Socket, ackEvent: string, ackType: string): Promise<LogonOutcome> {
  return new Promise((resolve) => {
    socket.once(ackEvent, (msg: unknown) => {
      const json = JSON.parse(String(msg)) as { type?: string; value?: boolean; reason?: string };
      if (json.type !== ackType) return; // the client ignores any other ack type
      if (json.value === true) return resolve({ connected: true });
      socket.disconnect(); // the client shows the reason, then disconnects
      resolve({ connected: false, reason: json.reason });
    });
  });
}

export interface ObserverLogon {
  readonly obsName: string;
  readonly groupCode: string;
  readonly key: string;
  readonly leftTeam: { name: string; tricode: string; url: string; attackStart: boolean };
  readonly rightTeam: { name: string; tricode: string; url: string; attackStart: boolean };
  readonly seriesInfo: unknown;
  readonly seedingInfo: unknown;
  readonly tournamentInfo: unknown;
  readonly timeoutDuration: number;
}

/** `handleAuthProcess` of client 0.3.3: the exact `obs_logon` payload, ToolsData with four fields only. */
export function spectraObserver(port: number, o: ObserverLogon): SpectraClient {
  const socket = connect(port, CLIENT_OPTIONS);
  const groupCode = o.groupCode.toUpperCase();
  const outcome = logon(socket, 'obs_logon_ack', 'authenticate');
  socket.emit(
    'obs_logon',
    JSON.stringify({
      type: 'authenticate',
      clientVersion: '0.3.3',
      obsName: o.obsName,
      key: o.key,
      groupCode,
      leftTeam: o.leftTeam,
      rightTeam: o.rightTeam,
      toolsData: { seriesInfo: o.seriesInfo, seedingInfo: o.seedingInfo, tournamentInfo: o.tournamentInfo, timeoutDuration: o.timeoutDuration },
    }),
  );
  return {
    socket,
    outcome,
    send: (formatted) => socket.emit('obs_data', JSON.stringify({ obsName: o.obsName, groupCode, ...formatted })),
  };
}

/** `handleAuxAuthProcess` of client 0.3.3: no key, its stored PLAYER_ID and the match id. */
export function spectraAux(port: number, a: { name: string; matchId: string; playerId: string; key?: string }): SpectraClient {
  const socket = connect(port, CLIENT_OPTIONS);
  const outcome = logon(socket, 'aux_logon_ack', 'aux_authenticate');
  const payload: Record<string, unknown> = { type: 'aux_authenticate', clientVersion: '0.3.3', name: a.name, matchId: a.matchId, playerId: a.playerId };
  // Only the opt-in AUX_AUTH_KEY tests add a key; the real client has no such field.
  if (a.key !== undefined) payload.key = a.key;
  socket.emit('aux_logon', JSON.stringify(payload));
  return {
    socket,
    outcome,
    send: (formatted) => socket.emit('aux_data', JSON.stringify({ playerId: a.playerId, matchId: a.matchId, ...formatted })),
  };
}

export interface FrontendOverlay {
  readonly socket: Socket;
  /** Resolves with the first parsed `match_data` that satisfies the predicate. */
  until(predicate: (state: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
}

/** Spectra-Frontend's SocketService: logon at once and on every reconnect. */
export function frontendOverlay(port: number, groupCode: string): FrontendOverlay {
  const socket = connect(port, { autoConnect: true, reconnection: true });
  const states: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  socket.on('match_data', (data: string) => {
    states.push(JSON.parse(data) as Record<string, any>);
    for (const w of [...waiters]) w();
  });
  socket.io.on('reconnect', () => socket.emit('logon', JSON.stringify({ groupCode })));
  socket.emit('logon', JSON.stringify({ groupCode }));
  return {
    socket,
    until(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = states.find(predicate);
          if (hit === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching match_data within ${timeoutMs} ms (${states.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** The ten players of a test match: roster entries as the client formats them (notes §4.3 `roster`). */
export function rosterEntries(): { type: 'roster'; data: Record<string, unknown> }[] {
  const agents = ['Wushu', 'Thorne', 'Pandemic', 'Gumshoe', 'Rift', 'Clay', 'Sprinter', 'Grenadier', 'Guide', 'Hunter'];
  return agents.map((agent, i) => ({
    type: 'roster',
    data: {
      name: `Player${i}`,
      tagline: 'EU',
      startTeam: i < 5 ? 0 : 1,
      agentInternal: agent,
      playerId: `puuid-${i}`,
      position: i % 5,
      locked: true,
      rank: 20,
    },
  }));
}
