/**
 * The soak's sequenced streams, one per dialect: a producer speaking the dialect's own ingest
 * protocol, steady clients connected throughout, and joiners that come and go.
 */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { matchInit, state } from '../match/fixtures.js';
import { SOAK_TOKENS, type SoakChild } from './child.js';
import { Ledger, account, type StreamAccount } from './ledger.js';

export interface SoakStream {
  readonly dialect: string;
  /** Sends the next message. */
  produce(): void;
  /** Opens a client that leaves after `stayMs`. */
  join(stayMs: number): void;
  /** Waits until every steady client has everything sent (or `timeoutMs`), then closes all clients. */
  finish(timeoutMs: number): Promise<StreamAccount>;
}

export const opened = (ws: WebSocket) => new Promise<void>((ok, fail) => (ws.once('open', () => ok()), ws.once('error', fail)));

export async function drained(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

/** A ws-based stream: `parse` maps a received frame to its sequence number (or null to skip it). */
export async function wsStream(
  _dialect: string,
  url: string,
  steadyCount: number,
  parse: (data: Buffer, isBinary: boolean) => number | null,
  onOpen: (ws: WebSocket) => void = () => undefined,
  /** A text frame to send every 10 s (relay receivers are closed after 60 s without one: PROTOCOL.md "After the upgrade"). */
  heartbeat: string | null = null,
): Promise<{ steady: Ledger[]; joiners: Ledger[]; join(stayMs: number, skipFirst?: boolean): void; closeAll(): void }> {
  const sockets = new Set<WebSocket>();
  const client = async (ledger: Ledger, skipFirst = false) => {
    const ws = new WebSocket(url);
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => undefined);
    let first = true;
    ws.on('message', (data: Buffer, isBinary) => {
      const seq = parse(data, isBinary);
      if (seq === null) return;
      if (first && skipFirst) {
        first = false;
        return;
      }
      first = false;
      ledger.record(seq);
    });
    await opened(ws);
    onOpen(ws);
    if (heartbeat) {
      const beat = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(heartbeat), 10_000);
      ws.once('close', () => clearInterval(beat));
    }
    return ws;
  };
  const steady = Array.from({ length: steadyCount }, () => new Ledger());
  await Promise.all(steady.map((l) => client(l)));
  const joiners: Ledger[] = [];
  return {
    steady,
    joiners,
    join(stayMs, skipFirst = false) {
      const ledger = new Ledger();
      joiners.push(ledger);
      client(ledger, skipFirst).then(
        (ws) => setTimeout(() => ws.close(), stayMs),
        () => undefined,
      );
    },
    closeAll() {
      for (const ws of sockets) ws.terminate();
    },
  };
}

export async function matchStream(child: SoakChild, steadyCount: number): Promise<SoakStream> {
  const port = child.port('match');
  const producer = new WebSocket(`ws://127.0.0.1:${port}/v1/ingest`, { headers: { authorization: `Bearer ${SOAK_TOKENS.ingest}` } });
  await opened(producer);
  producer.send(JSON.stringify(matchInit('soak-match', 'soak')));
  // The renderer URL exists once the MatchInit is retained (PROTOCOL.md §1: otherwise 404).
  const clients = await (async () => {
    for (let i = 0; ; i++) {
      try {
        return await wsStream('match', `ws://127.0.0.1:${port}/v1/match/soak-match`, steadyCount, (d) => {
          const m = JSON.parse(d.toString()) as { type: string; t?: number };
          return m.type === 'state' ? m.t! : null;
        });
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  let sent = 0;
  return {
    dialect: 'match',
    produce() {
      producer.send(JSON.stringify(state(sent)));
      sent += 1;
    },
    join: (stayMs) => clients.join(stayMs),
    async finish(timeoutMs) {
      await drained(() => clients.steady.every((l) => l.count >= sent), timeoutMs);
      clients.closeAll();
      producer.close();
      return account('match', sent, clients.steady, clients.joiners);
    },
  };
}

export async function relayStream(child: SoakChild, steadyCount: number): Promise<SoakStream> {
  const base = `ws://127.0.0.1:${child.port('relay')}/soak/soak-key`;
  const clients = await wsStream('relay', `${base}/receive`, steadyCount, (d, isBinary) => (isBinary ? d.readUInt32BE(0) : null), undefined, 'h');
  const publisher = new WebSocket(`${base}/publish`);
  await opened(publisher);
  const pad = Buffer.alloc(1020, 0x2a);
  let sent = 0;
  return {
    dialect: 'relay',
    produce() {
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32BE(sent, 0);
      publisher.send(Buffer.concat([head, pad]), { binary: true });
      sent += 1;
    },
    // A late receiver gets the pinned first chunk, then the cache from wherever eviction left it.
    join: (stayMs) => clients.join(stayMs, true),
    async finish(timeoutMs) {
      await drained(() => clients.steady.every((l) => l.count >= sent), timeoutMs);
      clients.closeAll();
      publisher.close();
      return account('relay', sent, clients.steady, clients.joiners);
    },
  };
}

export async function elstatStream(child: SoakChild, steadyCount: number): Promise<SoakStream> {
  const port = child.port('elstat');
  let firstId: number | null = null;
  const clients = await wsStream('elstat', `ws://127.0.0.1:${port}/api/streaming`, steadyCount, (d) => {
    const m = JSON.parse(d.toString()) as { op: number; d?: { id: number } };
    return m.op === 4 && firstId !== null ? m.d!.id - firstId : null;
  });
  let sent = 0;
  let inFlight = Promise.resolve();
  return {
    dialect: 'elstat',
    produce() {
      // Incidents are opened one after another so that their ids follow the send order.
      inFlight = inFlight.then(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/incidents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${SOAK_TOKENS.incidents}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `soak ${sent}` }),
        });
        const { id } = (await res.json()) as { id: number };
        if (firstId === null) firstId = id;
        sent += 1;
      });
    },
    join: (stayMs) => clients.join(stayMs),
    async finish(timeoutMs) {
      await inFlight;
      await drained(() => clients.steady.every((l) => l.count >= sent), timeoutMs);
      clients.closeAll();
      return account('elstat', sent, clients.steady, clients.joiners);
    },
  };
}

/**
 * spectra's match_data is a throttled whole state, not a stream of events: the account is that
 * every overlay's score never goes backwards and ends at the last value the observer sent.
 */
export async function spectraStream(child: SoakChild, overlays: number): Promise<SoakStream> {
  const sockets: Socket[] = [];
  const connect = (port: number) =>
    new Promise<Socket>((ok, fail) => {
      const s = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports: ['websocket'] });
      sockets.push(s);
      s.once('connect', () => ok(s));
      s.once('connect_error', fail);
    });
  const observer = await connect(child.port('spectra', 'ingest'));
  const ack = new Promise<string>((ok) => observer.once('obs_logon_ack', ok));
  observer.emit('obs_logon', JSON.stringify({
    type: 'authenticate', clientVersion: '0.3.3', obsName: 'soak', key: SOAK_TOKENS.spectraKey, groupCode: 'SOAK',
    leftTeam: { name: 'A', tricode: 'AAA', url: '', attackStart: true }, rightTeam: { name: 'B', tricode: 'BBB', url: '', attackStart: false },
    toolsData: {},
  }));
  const answer = JSON.parse(await ack) as { value: boolean; reason: string };
  if (!answer.value) throw new Error(`spectra logon refused: ${answer.reason}`);
  const overlay = async (ledger: Ledger) => {
    const s = await connect(child.port('spectra', 'output'));
    s.on('match_data', (msg: unknown) => {
      const st = JSON.parse(String(msg)) as { teams: { ingameTeamId: number; roundsWon: number }[] };
      ledger.record(st.teams.find((t) => t.ingameTeamId === 0)?.roundsWon ?? -1);
    });
    s.emit('logon', JSON.stringify({ groupCode: 'SOAK' }));
    return s;
  };
  const steady = Array.from({ length: overlays }, () => new Ledger());
  await Promise.all(steady.map((l) => overlay(l)));
  const joiners: Ledger[] = [];
  let sent = 0;
  return {
    dialect: 'spectra',
    produce() {
      sent += 1;
      observer.emit('obs_data', JSON.stringify({ obsName: 'soak', groupCode: 'SOAK', type: 'score', data: { team_0: sent, team_1: 0 } }));
    },
    join(stayMs) {
      const ledger = new Ledger();
      joiners.push(ledger);
      overlay(ledger).then((s) => setTimeout(() => s.close(), stayMs), () => undefined);
    },
    async finish(timeoutMs) {
      await drained(() => steady.every((l) => l.seen.at(-1) === sent), timeoutMs);
      for (const s of sockets) s.close();
      // Coalesced: "lost" is whether the overlay missed the final state; repeats of a state are not duplicates here.
      return {
        dialect: 'spectra',
        sent,
        steady: steady.map((l) => ({ received: l.count, lost: l.seen.at(-1) === sent ? 0 : 1, duplicates: 0, reordered: l.reordered })),
        joiners: { sessions: joiners.length, received: joiners.reduce((n, l) => n + l.count, 0), gaps: 0, duplicates: 0, reordered: joiners.reduce((n, l) => n + l.reordered, 0) },
      };
    },
  };
}
