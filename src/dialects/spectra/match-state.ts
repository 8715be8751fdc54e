/**
 * One match: the state model of notes §4.5 and the processing rules of §4.6. Pure apart from the
 * injected Clock, which drives the timeout countdown and the toast auto-hide. The wire object
 * never holds the group secret, the event counter or timer handles: they live in private fields.
 */
import type { Clock } from '../../core/index.js';
import { isObj, num, obj, text, type Obj } from './codec.js';
import type { AuthTeam, MatchWire, TeamState, ToolsState } from './model-types.js';
import { applyScore, newMatchWire, recordRoundReasons, swapAttackerDefender, swapLeftRight } from './match-rules.js';
import { mapName } from './tables.js';
import * as team from './team.js';
import { startTimeout, stopTimeout, type TimeoutSide, type TimeoutTimers } from './timeouts.js';

/** Notes §4.6 "Spike": the detonation countdown and the round timer. */
const SPIKE_TIMER_MS = 45_000;
const ROUND_TIMER_MS = 99_000;
/** Money an attacker gains by planting (notes §4.6: a +300 jump during combat implies a plant). */
const PLANT_REWARD = 300;

export interface MatchInit {
  readonly groupCode: string;
  readonly groupSecret: string;
  readonly leftTeam: AuthTeam;
  readonly rightTeam: AuthTeam;
  readonly tools: ToolsState;
  readonly organizationId?: string;
}

export interface MatchOptions {
  readonly clock: Clock;
  /** Highest round number accepted (bounds the round record). */
  readonly maxRounds: number;
}

/** What applying one data message did. */
export type ApplyResult = 'changed' | 'ignored' | 'game_end';

export class MatchState {
  readonly groupSecret: string;
  /** Rises with every change; the emit loop sends when it passed the last sent value (notes §4.4). */
  eventNumber = 1;
  /** Clock time of the last observer/aux event (idle removal). */
  lastEventAt: number;
  readonly #clock: Clock;
  readonly #maxRounds: number;
  readonly #wire: MatchWire;
  readonly #timers: TimeoutTimers = { tick: null, graceStart: 0, side: null };
  #toastTimer: unknown = null;

  constructor(init: MatchInit, options: MatchOptions) {
    this.#clock = options.clock;
    this.#maxRounds = options.maxRounds;
    this.groupSecret = init.groupSecret;
    this.lastEventAt = options.clock.now();
    this.#wire = newMatchWire(init);
  }

  /** The live state (read-only by convention; sanitize.ts turns it into the wire string). */
  get state(): Readonly<MatchWire> {
    return this.#wire;
  }

  get matchId(): string {
    return this.#wire.matchId;
  }

  /** Applies one `obs_data` / `aux_data` message (`playerId` is the aux sender, '' for observers). */
  apply(type: string, data: unknown, timestamp: number, playerId = ''): ApplyResult {
    const result = this.#route(type, data, timestamp, playerId);
    if (result !== 'ignored') {
      this.eventNumber += 1;
      this.lastEventAt = this.#clock.now();
    }
    return result;
  }

  /** Whether the roster holds this player id (the puuid, `riotId`): aux logons need it (issue 20 item 2). */
  hasPlayer(playerId: string): boolean {
    return this.#wire.teams.some((t) => team.hasPlayer(t, playerId));
  }

  /** Resets the aux availability of a disconnected aux client's player (notes §4.3 "Disconnect"). */
  setAuxDisconnected(playerId: string): void {
    for (const t of this.#wire.teams) team.setAuxDisconnected(t, playerId);
    this.eventNumber += 1;
  }

  /** Stops the timers; the match is being removed. Idempotent. */
  dispose(): void {
    stopTimeout(this.#timers, this.#clock);
    if (this.#toastTimer !== null) this.#clock.clearTimeout(this.#toastTimer);
    this.#toastTimer = null;
  }

  #teamById(id: unknown): TeamState | undefined {
    return this.#wire.teams.find((t) => t.ingameTeamId === id);
  }

  #route(type: string, data: unknown, ts: number, playerId: string): ApplyResult {
    const m = this.#wire;
    switch (type) {
      case 'roster':
      case 'scoreboard': {
        const d = obj(data);
        const t = this.#teamById(d.startTeam);
        if (!t) return 'ignored';
        if (type === 'roster') team.applyRoster(t, d);
        else this.#onScoreboard(t, d, ts);
        return 'changed';
      }
      case 'killfeed':
        if (!isObj(data)) return 'ignored';
        for (const t of m.teams) team.applyKillfeed(t, data);
        return 'changed';
      case 'observing':
        for (const t of m.teams) team.setObserved(t, text(data));
        return 'changed';
      case 'aux_scoreboard':
        if (!isObj(data)) return 'ignored';
        for (const t of m.teams) team.applyAuxScoreboard(t, data);
        return 'changed';
      case 'aux_scoreboard_team':
        for (const t of m.teams) team.applyAuxScoreboardTeam(t, playerId, data);
        return 'changed';
      case 'aux_health':
      case 'aux_abilities':
      case 'aux_astra_targeting':
      case 'aux_cypher_cam':
        for (const t of m.teams) team.applyAux(t, type, playerId, data);
        return 'changed';
      case 'spike_planted':
        if (m.roundPhase !== 'combat') return 'ignored';
        this.#plant(ts);
        return 'changed';
      case 'spike_detonated':
        m.spikeState.detonated = true;
        delete m.spikeDetonationTime;
        return 'changed';
      case 'spike_defused':
        m.spikeState.defused = true;
        return 'changed';
      case 'score':
        if (!isObj(data)) return 'ignored';
        applyScore(this.#wire, data, ts);
        m.spikeState.planted = false;
        return 'changed';
      case 'round_info':
        return this.#onRoundInfo(obj(data), ts);
      case 'match_start':
        m.matchId = text(data);
        m.isRunning = true;
        return 'changed';
      case 'map':
        m.map = mapName(text(data));
        return 'changed';
      case 'game_mode':
        m.matchType = text(data, 'bomb');
        // Swift play swaps after round 4 and has no overtime (notes §4.6).
        if (m.matchType === 'swift') [m.switchRound, m.firstOtRound] = [5, 99];
        else [m.switchRound, m.firstOtRound] = [13, 25];
        return 'changed';
      case 'tech_pause':
        m.timeoutState.techPause = !m.timeoutState.techPause;
        if (m.timeoutState.techPause) this.#endTimeout(false);
        return 'changed';
      case 'left_timeout':
      case 'right_timeout':
        this.#toggleTimeout(type === 'left_timeout' ? 'left' : 'right');
        return 'changed';
      case 'switch_kda_credits':
        m.showAliveKDA = !m.showAliveKDA;
        return 'changed';
      case 'swap_left_right':
        swapLeftRight(m);
        return 'changed';
      case 'swap_attacker_defender':
        swapAttackerDefender(m);
        return 'changed';
      case 'toast':
        if (!isObj(data)) return 'ignored';
        this.#onToast(data);
        return 'changed';
      default:
        // `team_is_attacker`, `preview` and unknown types are not handled (notes §4.3).
        return 'ignored';
    }
  }

  #onScoreboard(t: TeamState, d: Obj, ts: number): void {
    const gained = team.applyScoreboard(t, d);
    if (gained === PLANT_REWARD && this.#wire.roundPhase === 'combat' && !this.#wire.spikeState.planted) this.#plant(ts);
  }

  #plant(ts: number): void {
    const m = this.#wire;
    m.spikeState.planted = true;
    delete m.roundTimeoutTime;
    m.spikeDetonationTime = ts + SPIKE_TIMER_MS;
  }

  #onRoundInfo(d: Obj, ts: number): ApplyResult {
    const m = this.#wire;
    const round = num(d.roundNumber, m.roundNumber);
    if (!Number.isInteger(round) || round < 0 || round > this.#maxRounds) return 'ignored';
    m.roundNumber = round;
    m.roundPhase = text(d.roundPhase, m.roundPhase, 32);
    switch (m.roundPhase) {
      case 'shopping': {
        if (round !== 1) recordRoundReasons(m, round - 1, this.#maxRounds);
        m.spikeState = { planted: false, detonated: false, defused: false };
        if (round >= m.firstOtRound && !m.hasEnteredOvertime) {
          // Overtime grants each team one more timeout, up to two (notes §4.6).
          m.hasEnteredOvertime = true;
          const c = m.tools.timeoutCounter;
          if (c.left < 2) c.left += 1;
          if (c.right < 2) c.right += 1;
        }
        const sideSwitch = round === m.switchRound || round >= m.firstOtRound;
        if (sideSwitch) for (const t of m.teams) t.isAttacking = !t.isAttacking;
        for (const t of m.teams) team.resetRound(t, sideSwitch);
        break;
      }
      case 'combat':
        for (const t of m.teams) team.findDuplicateAgents(t);
        m.roundTimeoutTime = ts + ROUND_TIMER_MS;
        this.#hideToast();
        break;
      case 'end':
        delete m.roundTimeoutTime;
        delete m.spikeDetonationTime;
        break;
      case 'game_end':
        m.isRunning = false;
        return 'game_end';
    }
    return 'changed';
  }

  #toggleTimeout(side: TimeoutSide): void {
    const s = this.#wire.timeoutState;
    const running = side === 'left' ? s.leftTeam : s.rightTeam;
    if (running) {
      this.#endTimeout(true);
      return;
    }
    this.#endTimeout(true);
    s.leftTeam = side === 'left';
    s.rightTeam = side === 'right';
    s.techPause = false;
    s.timeRemaining = this.#wire.tools.timeoutDuration;
    this.#wire.timeoutGracePeriodPassed = false;
    startTimeout(this.#timers, this.#clock, side, {
      state: () => this.#wire,
      changed: () => {
        this.eventNumber += 1;
      },
    });
  }

  /** Ends a running team timeout; `charge` counts it against the team when the grace period had passed. */
  #endTimeout(charge: boolean): void {
    const m = this.#wire;
    const side = this.#timers.side;
    stopTimeout(this.#timers, this.#clock);
    if (side && charge && m.timeoutGracePeriodPassed) {
      const c = m.tools.timeoutCounter;
      if (side === 'left') c.left = Math.max(0, c.left - 1);
      else c.right = Math.max(0, c.right - 1);
    }
    m.timeoutState.leftTeam = false;
    m.timeoutState.rightTeam = false;
    m.timeoutGracePeriodPassed = false;
  }

  #onToast(d: Obj): void {
    const m = this.#wire;
    const duration = typeof d.duration === 'number' && Number.isFinite(d.duration) && d.duration > 0 ? d.duration : null;
    m.toastInfo = {
      duration,
      title: text(d.title, '', 512),
      message: text(d.message, '', 2048),
      eventLogoEnabled: d.eventLogoEnabled === true,
      ...(typeof d.selectedTeam === 'string' ? { selectedTeam: text(d.selectedTeam) } : {}),
      active: d.active === true,
    };
    if (this.#toastTimer !== null) this.#clock.clearTimeout(this.#toastTimer);
    this.#toastTimer = null;
    if (m.toastInfo.active && duration !== null) {
      this.#toastTimer = this.#clock.setTimeout(() => {
        this.#toastTimer = null;
        this.#hideToast();
        this.eventNumber += 1;
      }, Math.min(duration, 24 * 3600 * 1000));
    }
  }

  #hideToast(): void {
    this.#wire.toastInfo.active = false;
  }
}
