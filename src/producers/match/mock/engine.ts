/**
 * The synthetic match as a generator of spec messages (notes §1.4; the seed's kickoff, goal,
 * foul, card, substitution, half-time, full-time): a StateFrame every `frameIntervalMs` of `t`,
 * and the events of that window right after it, stamped `frame.t + 1, + 2, …` so `t` rises
 * strictly across the whole stream. Halves last `halfMs` of `t`; the HUD clock runs 45:00 per half.
 */
import type { EventMessage, MatchInit, SpecMessage, Vec3 } from '../../../dialects/match/spec.js';
import { clockDisplay, distance, r2 } from '../motion.js';
import { BALL_Z, atFeet, ballAt, createBodies, goalOf, kickSpot, nearest, type Body, type Flight, type PitchView } from './bodies.js';
import { moveAll, stateFrame } from './movement.js';
import { planPass, planShot } from './plays.js';
import { planIncidents, type Incident } from './script.js';

/** An event before its `t` is stamped. */
type EventBody = EventMessage extends infer E ? (E extends EventMessage ? Omit<E, 't'> : never) : never;

export interface MockTiming {
  readonly frameIntervalMs: number;
  readonly halfMs: number;
  readonly halfTimeMs: number;
}

type Phase = 'prematch' | 'play' | 'stopped' | 'restart' | 'break' | 'over';
const HALF_CLOCK_MS = 45 * 60_000;
const other = (team: 0 | 1): 0 | 1 => (team === 0 ? 1 : 0);

export class MockMatch implements PitchView {
  readonly bodies: Body[] = [];
  carrier: Body | null = null;
  flight: Flight | null = null;
  ballRest: Vec3 = [0, 0, BALL_Z];
  pushing = false;
  kicker: Body | null = null;
  #init: MatchInit;
  #random: () => number;
  #timing: MockTiming;
  #incidents: Incident[];
  #bench: [Body[], Body[]] = [[], []];
  #phase: Phase = 'prematch';
  #period: 1 | 2 = 1;
  #periodStart = 0;
  #resumeAt = 0;
  #decideAt = 0;
  #now = 0;
  #firstKickoff: 0 | 1;
  #nextKickoff: 0 | 1 = 0;
  #pendingFoul: { severity: 'soft' | 'yellow' | 'red'; since: number } | null = null;
  #lastPasser: Body | null = null;
  #score: [number, number] = [0, 0];
  #events: EventBody[] = [];

  constructor(init: MatchInit, random: () => number, timing: MockTiming) {
    this.#init = init;
    this.#random = random;
    this.#timing = timing;
    this.#incidents = planIncidents(random);
    this.#firstKickoff = random() < 0.5 ? 0 : 1;
    const squads = createBodies(init);
    this.bodies.push(...squads.bodies);
    this.#bench = squads.bench;
  }

  get stopped(): boolean {
    return this.#phase === 'stopped';
  }

  get kickoffShape(): boolean {
    return this.#phase === 'prematch' || this.#phase === 'restart' || this.#phase === 'break';
  }

  /** The whole match after its MatchInit, ending with `event.match_end`. */
  *messages(): Generator<SpecMessage> {
    const step = this.#timing.frameIntervalMs;
    for (let t = 0; ; t += step) {
      this.#now = t;
      yield stateFrame(this, t, this.#period, this.#clock());
      this.#logic(t);
      const events = this.#events.splice(0);
      for (let i = 0; i < events.length; i++) yield { ...events[i]!, t: t + 1 + i } as EventMessage;
      if (this.#phase === 'over') return;
      moveAll(this, t, step / 1000);
    }
  }

  #emit(event: EventBody): void {
    this.#events.push(event);
  }

  #clock(): string {
    if (this.#phase === 'prematch') return clockDisplay(0);
    if (this.#phase === 'break') return clockDisplay(HALF_CLOCK_MS);
    if (this.#phase === 'over') return clockDisplay(2 * HALF_CLOCK_MS);
    const elapsed = ((this.#now - this.#periodStart) * HALF_CLOCK_MS) / this.#timing.halfMs;
    return clockDisplay((this.#period - 1) * HALF_CLOCK_MS + elapsed);
  }

  #logic(now: number): void {
    if (this.#phase === 'over') return;
    if (this.#phase === 'prematch') {
      this.#emit({ type: 'event.period_start', period: 1 });
      this.#kickoff(this.#firstKickoff);
      return;
    }
    if (this.#phase === 'break') {
      if (now < this.#resumeAt || (!this.#kickerReady(other(this.#firstKickoff)) && now < this.#resumeAt + 5_000)) return;
      this.#period = 2;
      this.#periodStart = now;
      this.#emit({ type: 'event.period_start', period: 2 });
      this.#kickoff(other(this.#firstKickoff));
      return;
    }
    const elapsed = now - this.#periodStart;
    if (elapsed >= this.#timing.halfMs && !this.flight) return this.#endPeriod(now);
    this.#dueIncidents(elapsed);
    if (this.#phase === 'restart') {
      if (now >= this.#resumeAt && (this.#kickerReady(this.#nextKickoff) || now >= this.#resumeAt + 5_000)) this.#kickoff(this.#nextKickoff);
      return;
    }
    if (this.#phase === 'stopped' && now >= this.#resumeAt) {
      this.#phase = 'play';
      this.#decideAt = now + 400;
    }
    if (this.flight && now >= this.flight.end) this.#land(this.flight);
    if (this.#phase !== 'play' || !this.carrier || this.flight) return;
    if (this.#pendingFoul && this.#tryFoul(this.carrier)) return;
    if (!this.#pendingFoul && now >= this.#decideAt) this.#decide(this.carrier);
  }

  #endPeriod(now: number): void {
    this.#emit({ type: 'event.period_end', period: this.#period });
    this.ballRest = ballAt(this, now);
    this.carrier = null;
    this.flight = null;
    this.pushing = false;
    this.#pendingFoul = null;
    if (this.#period === 1) {
      this.#phase = 'break';
      this.#resumeAt = now + this.#timing.halfTimeMs;
      this.#incidents = this.#incidents.filter((i) => i.period === 2);
      this.#kickerOf(other(this.#firstKickoff)); // walks to the spot during the break
    } else {
      this.#emit({ type: 'event.match_end' });
      this.#phase = 'over';
    }
  }

  #dueIncidents(elapsed: number): void {
    for (let next = this.#incidents[0]; next && next.period === this.#period && next.at * this.#timing.halfMs <= elapsed; next = this.#incidents[0]) {
      if (next.kind === 'sub') this.#substitute(next.team);
      else if (next.kind === 'foul') {
        if (this.#pendingFoul) return;
        this.#pendingFoul = { severity: next.severity, since: this.#now };
      } else {
        if (this.#phase !== 'play' || !this.carrier || this.carrier.keeper || this.pushing) return;
        this.pushing = true;
      }
      this.#incidents.shift();
    }
  }

  #kickoff(team: 0 | 1): void {
    this.#phase = 'play';
    this.flight = null;
    this.pushing = false;
    const kicker = this.#kickerOf(team); // already on the spot (#kickerReady), so nobody jumps
    this.kicker = null;
    this.#give(kicker, this.#now + 800);
    this.#emit({ type: 'event.kickoff', team: this.#init.teams[team].id });
  }

  /** The next kick-off's taker, chosen once per restart: the outfield player nearest the spot. */
  #kickerOf(team: 0 | 1): Body {
    if (this.kicker?.team !== team || !this.kicker.onPitch) this.kicker = nearest(this.bodies, team, kickSpot(team), (b) => b.keeper)!;
    return this.kicker;
  }

  #kickerReady(team: 0 | 1): boolean {
    return distance(this.#kickerOf(team).pos, kickSpot(team)) < 0.8;
  }

  #give(body: Body, decideAt: number): void {
    if (this.#lastPasser && this.#lastPasser.team !== body.team) this.#lastPasser = null;
    this.carrier = body;
    this.#decideAt = decideAt;
  }

  #decide(c: Body): void {
    const r = this.#random;
    const toGoal = distance(c.pos, goalOf(c.team));
    if (this.pushing) {
      if (toGoal < 19) this.#shoot(c, 'goal');
      else this.#decideAt = this.#now + 300;
      return;
    }
    if (c.keeper) return this.#pass(c);
    if (toGoal < 24 && r() < 0.55) return this.#shoot(c, null);
    const opponent = nearest(this.bodies, other(c.team), c.pos, (b) => b.keeper);
    if (opponent && distance(opponent.pos, c.pos) < 2.5 && r() < 0.3) return this.#tackle(opponent, c);
    if (r() < 0.15) {
      this.#decideAt = this.#now + 600 + r() * 900;
      return;
    }
    this.#pass(c);
  }

  #pass(c: Body): void {
    const plan = planPass(this.bodies, c, this.#random);
    if (!plan) return;
    const from = atFeet(c);
    const d = distance([from[0], from[1]], plan.target);
    this.#emit({ type: 'event.pass', from: c.id, to: plan.mate.id, target: [r2(plan.target[0]), r2(plan.target[1])], success: plan.success });
    this.flight = { kind: 'pass', from, to: [plan.target[0], plan.target[1], BALL_Z], start: this.#now, end: this.#now + Math.max(300, (d / 17) * 1000), loft: d > 30 ? d * 0.08 : 0, by: c, receiver: plan.receiver, outcome: 'complete' };
    c.action = { anim: d > 30 ? 'kick' : 'pass', until: this.#now + 300 };
    this.carrier = null;
    this.#lastPasser = c;
  }

  #shoot(c: Body, forced: 'goal' | null): void {
    const { outcome, target, end } = planShot(c, forced, this.#random);
    const keeper = nearest(this.bodies, other(c.team), goalOf(c.team), (b) => !b.keeper);
    const from = atFeet(c);
    const d = distance([from[0], from[1]], [end[0], end[1]]);
    this.#emit({ type: 'event.shot', player: c.id, target: [r2(target[0]), r2(target[1]), r2(target[2])], on_target: outcome !== 'off', saved: outcome === 'saved' });
    this.flight = { kind: 'shot', from, to: end, start: this.#now, end: this.#now + Math.max(250, (d / 26) * 1000), loft: 0.5, by: c, receiver: outcome === 'saved' ? keeper : null, outcome };
    c.action = { anim: 'shoot', until: this.#now + 400 };
    this.carrier = null;
    this.pushing = false;
  }

  #land(f: Flight): void {
    this.flight = null;
    this.ballRest = [f.to[0], f.to[1], BALL_Z];
    const defending = other(f.by.team);
    const keeper = nearest(this.bodies, defending, goalOf(f.by.team), (b) => !b.keeper) ?? nearest(this.bodies, defending, goalOf(f.by.team));
    if (f.kind === 'pass') {
      const receiver = f.receiver?.onPitch ? f.receiver : nearest(this.bodies, f.by.team, [f.to[0], f.to[1]]);
      if (receiver) this.#give(receiver, this.#now + 700 + this.#random() * 1500);
    } else if (f.outcome === 'goal') {
      this.#score[f.by.team] += 1;
      const assist = this.#lastPasser && this.#lastPasser !== f.by && this.#lastPasser.team === f.by.team ? this.#lastPasser.id : undefined;
      this.#emit({ type: 'event.goal', player: f.by.id, team: this.#init.teams[f.by.team].id, ...(assist ? { assist } : {}) });
      this.#emit({ type: 'event.score_change', home: this.#score[0], away: this.#score[1] });
      for (const b of this.bodies) if (b.onPitch && b.team === f.by.team) b.action = { anim: 'celebrate', until: this.#now + 2500 };
      this.ballRest = [f.to[0], f.to[1], 0.3];
      this.#phase = 'restart';
      this.#resumeAt = this.#now + 4000;
      this.#nextKickoff = defending;
      this.#kickerOf(defending);
    } else if (f.outcome === 'saved' && keeper) {
      this.#emit({ type: 'event.save', keeper: keeper.id });
      keeper.action = { anim: 'catch', until: this.#now + 700 };
      this.#give(keeper, this.#now + 1500);
    } else if (keeper) {
      this.#emit({ type: 'event.out_of_bounds', touched_by: f.by.id, restart: 'goal_kick' });
      this.#phase = 'stopped';
      this.#resumeAt = this.#now + 2000;
      this.#give(keeper, this.#resumeAt + 500);
    }
  }

  #tackle(opponent: Body, c: Body): void {
    const success = this.#random() < 0.55;
    this.#emit({ type: 'event.tackle', player: opponent.id, victim: c.id, success });
    opponent.action = { anim: 'tackle', until: this.#now + 500 };
    if (success) {
      c.action = { anim: 'fall', until: this.#now + 900 };
      this.#give(opponent, this.#now + 900 + this.#random() * 800);
    } else this.#decideAt = this.#now + 500;
  }

  /** A due foul waits until a defender reaches the carrier (8 s at most), so the tackle looks real. */
  #tryFoul(c: Body): boolean {
    const foul = this.#pendingFoul!;
    const fouler = nearest(this.bodies, other(c.team), c.pos, (b) => b.keeper);
    if (!fouler || (distance(fouler.pos, c.pos) > 2.5 && this.#now - foul.since < 8000)) return false;
    this.#emit({ type: 'event.foul', player: fouler.id, victim: c.id, severity: foul.severity });
    fouler.action = { anim: 'tackle', until: this.#now + 500 };
    c.action = { anim: 'fall', until: this.#now + 1200 };
    if (foul.severity === 'red') fouler.onPitch = false; // sent off: leaves the frames from now on
    this.#pendingFoul = null;
    this.#phase = 'stopped';
    this.#resumeAt = this.#now + 2500;
    this.#decideAt = this.#resumeAt + 300;
    return true;
  }

  #substitute(team: 0 | 1): void {
    const bench = this.#bench[team];
    const out = this.bodies.filter((b) => b.onPitch && b.team === team && !b.keeper && b !== this.carrier && b !== this.flight?.receiver && !bench.includes(b));
    const playerIn = bench.shift();
    const playerOut = out[Math.floor(this.#random() * out.length)];
    if (!playerIn || !playerOut) return;
    playerOut.onPitch = false;
    playerIn.slot = playerOut.slot;
    playerIn.pos = [-2, team === 0 ? -33.5 : 33.5];
    playerIn.onPitch = true;
    this.#emit({ type: 'event.substitution', team: this.#init.teams[team].id, player_in: playerIn.id, player_out: playerOut.id });
  }
}
