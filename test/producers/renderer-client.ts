/**
 * A match renderer as the real one behaves (`0800tim/tournamental` `packages/spec-client`, read
 * with the search tools; protocol-notes §6): `ws.ts` parses every frame with one JSON.parse and
 * reconnects after any close with a delay of 1 s doubling to 8 s; `store.ts` resets everything on
 * `match.init`, takes `period` from StateFrames and `event.period_start`, the score from
 * `event.score_change`, the shoot-out from its start/attempt/end events, and files every other
 * message in its event list. `rounds` keeps what the renderer showed when each MatchInit arrived,
 * i.e. at the end of the previous round.
 */
import WebSocket from 'ws';

interface Msg {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface RendererView {
  readonly init: Msg | null;
  readonly events: Msg[];
  readonly score: { home: number; away: number };
  readonly shootout: { home: number; away: number; active: boolean; ended: boolean };
  readonly period: number;
  /** Periods the StateFrames carried, in order of first appearance (what the HUD clock showed). */
  readonly framePeriods: number[];
}

const initial = (): RendererView => ({ init: null, events: [], score: { home: 0, away: 0 }, shootout: { home: 0, away: 0, active: false, ended: false }, period: 1, framePeriods: [] });

export class RendererClient {
  /** Every message received, in order (what the socket delivered). */
  readonly received: Msg[] = [];
  /** The store as it was when each MatchInit after the first arrived. */
  readonly rounds: RendererView[] = [];
  view: RendererView = initial();
  #socket: WebSocket | null = null;
  #stopped = false;
  #retryDelay = 1_000;
  #retryTimer: NodeJS.Timeout | null = null;
  #waiters = new Set<() => void>();

  constructor(private readonly url: string) {
    this.#connect();
  }

  #connect(): void {
    if (this.#stopped) return;
    const socket = new WebSocket(this.url);
    this.#socket = socket;
    socket.addEventListener('open', () => (this.#retryDelay = 1_000));
    socket.addEventListener('message', (ev) => {
      try {
        this.#apply(JSON.parse(String(ev.data)) as Msg);
      } catch {
        // spec-client drops a malformed frame and goes on
      }
    });
    socket.addEventListener('close', () => this.#scheduleRetry());
    socket.addEventListener('error', () => {});
  }

  #scheduleRetry(): void {
    if (this.#stopped) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryDelay = Math.min(this.#retryDelay * 2, 8_000);
      this.#connect();
    }, this.#retryDelay);
  }

  #apply(msg: Msg): void {
    this.received.push(msg);
    const v = this.view;
    if (msg.type === 'match.init') {
      if (v.init) this.rounds.push(v);
      this.view = { ...initial(), init: msg };
    } else if (msg.type === 'state') {
      const period = typeof msg.period === 'number' ? msg.period : v.period;
      this.view = { ...v, period, framePeriods: v.framePeriods.at(-1) === period ? v.framePeriods : [...v.framePeriods, period] };
    } else {
      const next = { ...v, events: [...v.events, msg] };
      if (msg.type === 'event.score_change') next.score = { home: msg.home as number, away: msg.away as number };
      else if (msg.type === 'event.penalty_shootout_start') next.shootout = { home: 0, away: 0, active: true, ended: false };
      else if (msg.type === 'event.penalty_attempt' && v.init && msg.outcome === 'scored') {
        const teams = v.init.teams as { id: string }[];
        next.shootout = { ...v.shootout, home: v.shootout.home + (msg.team === teams[0]!.id ? 1 : 0), away: v.shootout.away + (msg.team === teams[1]!.id ? 1 : 0) };
      } else if (msg.type === 'event.penalty_shootout_end') {
        const score = msg.score as { home: number; away: number };
        next.shootout = { ...v.shootout, home: score.home, away: score.away, active: false, ended: true };
      } else if (msg.type === 'event.period_start') next.period = msg.period as number;
      this.view = next;
    }
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves once `predicate` holds (checked on every message); rejects after `timeoutMs`. */
  until(predicate: (client: RendererClient) => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this)) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`renderer: ${what} not seen within ${timeoutMs} ms (${this.received.length} messages)`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#socket?.close();
  }
}
