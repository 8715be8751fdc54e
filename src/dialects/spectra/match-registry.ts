/**
 * The matches this node's ingest side owns, keyed by group code, and the send loop of notes §4.4:
 * every `emitIntervalMs`, each match whose event counter grew is sanitised once and published to
 * `spectra:<groupCode>` as a `snapshot` (newcomers get it first). At game end the final state is
 * published once, then a `reset` clears the channel; idle matches are removed the same way.
 */
import { randomInt } from 'node:crypto';
import type { Clock, Hub, Logger, RetentionPolicy } from '../../core/index.js';
import { toBytes } from './codec.js';
import type { AuthTeam } from './model-types.js';
import { MatchState, type MatchInit } from './match-state.js';
import { sanitizeMatch } from './sanitize.js';
import { LogThrottle } from '../../util/log-throttle.js';

export interface MatchRegistryOptions {
  readonly hub: Hub;
  readonly clock: Clock;
  readonly log: Logger;
  readonly emitIntervalMs: number;
  readonly idleRemovalMs: number;
  readonly idleSweepIntervalMs: number;
  readonly maxMatches: number;
  readonly maxRounds: number;
  readonly teamInfoCacheSize: number;
}

/**
 * Why a match left the registry. `failed`: its state could not be published (issue 20 item 1): the
 * match is ended and its observers disconnected, so one hostile or broken match never takes the
 * process, or any other match, with it.
 */
export type RemovalCause = 'game_end' | 'idle' | 'shutdown' | 'failed';

export interface TeamInfo {
  readonly leftTeam: AuthTeam;
  readonly rightTeam: AuthTeam;
}

interface Entry {
  readonly state: MatchState;
  sent: number;
}

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The 12-character reconnect secret of notes §4.3 step 5, from `[A-Z0-9]`. */
function newGroupSecret(): string {
  let out = '';
  for (let i = 0; i < 12; i++) out += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
  return out;
}

export function channelOf(groupCode: string): string {
  return `spectra:${groupCode}`;
}

export class MatchRegistry {
  readonly #o: MatchRegistryOptions;
  readonly #matches = new Map<string, Entry>();
  readonly #teamInfo = new Map<string, TeamInfo>();
  /** Publishes per group code, chained so snapshot and reset keep their order across a match's removal. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #retention: RetentionPolicy;
  readonly #removedListeners: ((groupCode: string, cause: RemovalCause) => void)[] = [];
  /** Publish failures can repeat every emit interval: logged once, then counted (issue 20). */
  readonly #failures: LogThrottle;
  #emitTimer: unknown = null;
  #sweepTimer: unknown = null;
  #closed = false;

  constructor(options: MatchRegistryOptions) {
    this.#o = options;
    this.#failures = new LogThrottle(options.log, { clock: options.clock });
    // The state is always sent whole, so nothing but the snapshot is retained; the channel is
    // forgotten once it has been idle as long as a match may be (notes §4.4).
    this.#retention = { maxMessages: 1, maxBytes: 8 << 20, maxAgeMs: 0, maxPinned: 0, idleTtlMs: options.idleRemovalMs };
  }

  get size(): number {
    return this.#matches.size;
  }

  get(groupCode: string): MatchState | undefined {
    return this.#matches.get(groupCode)?.state;
  }

  /** Matches the observer started with this VALORANT match id (`match_start`), for aux clients. */
  byMatchId(matchId: string): MatchState[] {
    if (matchId === '') return [];
    return [...this.#matches.values()].filter((e) => e.state.matchId === matchId).map((e) => e.state);
  }

  /** Creates a match, or returns null when `maxMatches` are already running. */
  create(init: Omit<MatchInit, 'groupSecret'>): MatchState | null {
    if (this.#matches.size >= this.#o.maxMatches) return null;
    const state = new MatchState({ ...init, groupSecret: newGroupSecret() }, { clock: this.#o.clock, maxRounds: this.#o.maxRounds });
    // A new match starts at event 1 against 0 sent, so the first tick emits it (notes §4.4).
    this.#matches.set(init.groupCode, { state, sent: 0 });
    this.#teamInfo.delete(init.groupCode);
    this.#teamInfo.set(init.groupCode, { leftTeam: init.leftTeam, rightTeam: init.rightTeam });
    while (this.#teamInfo.size > this.#o.teamInfoCacheSize) this.#teamInfo.delete(this.#teamInfo.keys().next().value!);
    return state;
  }

  /** Team info for post-match overlays (`GET /getTeamInfoForCode`); outlives the match. */
  teamInfo(groupCode: string): TeamInfo | undefined {
    return this.#teamInfo.get(groupCode);
  }

  /** Applies one data message to a match; a `game_end` emits the final state once and removes it. */
  apply(groupCode: string, type: string, data: unknown, playerId = ''): void {
    const entry = this.#matches.get(groupCode);
    if (!entry) return;
    const result = entry.state.apply(type, data, this.#o.clock.now(), playerId);
    if (result === 'game_end') this.remove(groupCode, 'game_end');
  }

  onRemoved(listener: (groupCode: string, cause: RemovalCause) => void): void {
    this.#removedListeners.push(listener);
  }

  /** Removes a match: flushes a pending final state, then clears the channel. Idempotent. */
  remove(groupCode: string, cause: RemovalCause): void {
    const entry = this.#matches.get(groupCode);
    if (!entry) return;
    this.#matches.delete(groupCode);
    entry.state.dispose();
    if (cause === 'game_end') this.#publish(groupCode, entry);
    this.#enqueue(groupCode, () => this.#o.hub.publish(channelOf(groupCode), new Uint8Array(0), { kind: 'reset', retention: this.#retention }));
    for (const listener of this.#removedListeners) listener(groupCode, cause);
  }

  start(): void {
    this.#scheduleEmit();
    this.#scheduleSweep();
  }

  /** Stops the loops, disposes every match and waits for pending publishes. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#emitTimer !== null) this.#o.clock.clearTimeout(this.#emitTimer);
    if (this.#sweepTimer !== null) this.#o.clock.clearTimeout(this.#sweepTimer);
    for (const code of [...this.#matches.keys()]) this.remove(code, 'shutdown');
    await Promise.all(this.#chains.values());
    this.#failures.close();
  }

  /** One pass of the send loop (exposed so pure tests can drive it without timers). */
  emitChanged(): void {
    for (const [code, entry] of this.#matches) {
      // One state publish in flight per match (issue 15 item 2): while the broker is slow, newer
      // states coalesce into the next one (each is the whole state) instead of queueing without bound.
      if (entry.state.eventNumber > entry.sent && !this.#chains.has(code)) this.#publish(code, entry);
    }
  }

  /** One pass of the idle sweep. */
  sweepIdle(): void {
    const now = this.#o.clock.now();
    for (const [code, entry] of [...this.#matches]) {
      if (now - entry.state.lastEventAt >= this.#o.idleRemovalMs) this.remove(code, 'idle');
    }
  }

  #publish(groupCode: string, entry: Entry): void {
    entry.sent = entry.state.eventNumber;
    let bytes: Uint8Array;
    try {
      // Encoded once per state change; every overlay on every node gets these bytes.
      bytes = toBytes(sanitizeMatch(entry.state.state));
    } catch (err) {
      // This runs in the emit timer: an exception here would reach the top level and end the
      // process, every dialect with it (issue 20 item 1: a state nested 3,000 deep overflowed the
      // stack in JSON.stringify). Only this match ends; its observers are disconnected.
      this.#failures.error(`encode:${(err as Error)?.name}`, { err, groupCode }, 'spectra: match state could not be encoded; match ended');
      this.remove(groupCode, 'failed');
      return;
    }
    this.#enqueue(groupCode, () => this.#o.hub.publish(channelOf(groupCode), bytes, { kind: 'snapshot', retention: this.#retention }));
  }

  #enqueue(groupCode: string, task: () => Promise<unknown>): void {
    const previous = this.#chains.get(groupCode) ?? Promise.resolve();
    const next = previous
      .then(task)
      .then(
        () => undefined,
        (err: unknown) => this.#o.log.warn({ err, groupCode }, 'spectra: publish failed'),
      )
      .finally(() => {
        if (this.#chains.get(groupCode) === next) this.#chains.delete(groupCode);
      });
    this.#chains.set(groupCode, next);
  }

  #scheduleEmit(): void {
    if (this.#closed) return;
    this.#emitTimer = this.#o.clock.setTimeout(() => {
      // A timer callback's exception would end the process: whatever escapes is logged, and the loop goes on.
      try {
        this.emitChanged();
      } catch (err) {
        this.#failures.error('emit', { err }, 'spectra: send loop pass failed');
      }
      this.#scheduleEmit();
    }, this.#o.emitIntervalMs);
  }

  #scheduleSweep(): void {
    if (this.#closed) return;
    this.#sweepTimer = this.#o.clock.setTimeout(() => {
      try {
        this.sweepIdle();
      } catch (err) {
        this.#failures.error('sweep', { err }, 'spectra: idle sweep failed');
      }
      this.#scheduleSweep();
    }, this.#o.idleSweepIntervalMs);
  }
}
