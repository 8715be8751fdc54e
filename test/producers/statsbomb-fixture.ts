/**
 * A whole match in StatsBomb open-data layout, built from the real excerpt of the 2022 final
 * (data/statsbomb/, "Data: StatsBomb"): real events re-timed and relabelled into periods 1–4,
 * each opened by the excerpt's two Half Start events and closed by two Half End events of the same
 * shape, goals to 3–3 after extra time, and a period-5 shoot-out that Argentina wins 4–2 with the
 * takers, outcomes and event shapes of the real file (`data/events/3869685.json`, events
 * 4387–4407: Shot + Goal Keeper per kick, two Half End events last). Periods are compact (well
 * under a minute of play each) so a replay over a real socket stays small; minute numbers
 * follow StatsBomb (period 2 starts at 45:00, 3 at 90:00, 4 at 105:00, 5 at 120:00).
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SB_FILES } from './match-feed.js';

type Raw = Record<string, unknown> & { id: string; index: number; timestamp: string; minute: number; second: number; period: number; related_events?: string[] };

const PERIOD_MINUTE: Readonly<Record<number, number>> = { 1: 0, 2: 45, 3: 90, 4: 105, 5: 120 };
const ARG = { id: 779, name: 'Argentina' };
const FRA = { id: 771, name: 'France' };
const MARTINEZ = { id: 6909, name: 'Damián Emiliano Martínez' };
const LLORIS = { id: 3099, name: 'Hugo Lloris' };

/** Blocks of real excerpt events (by `index`) that become each period's play. */
const BLOCKS: Readonly<Record<number, readonly [number, number]>> = { 1: [5, 37], 2: [38, 60], 3: [61, 90], 4: [91, 120] };

/** Goals to 3–3 (ARG home): [period, scorer's excerpt event (its player, team, position), offset ms into the period]. */
const GOALS: readonly (readonly [number, number, number])[] = [
  [1, 86, 20_000], // Messi
  [1, 86, 40_000],
  [2, 163, 10_000], // Mbappé
  [2, 163, 20_000],
  [4, 86, 15_000],
  [4, 163, 30_000],
];

/** The real shoot-out: France first; [team, taker, StatsBomb shot outcome, keeper's event type]. */
export const SHOOTOUT: readonly (readonly [typeof ARG, { id: number; name: string }, string, string])[] = [
  [FRA, { id: 3009, name: 'Kylian Mbappé Lottin' }, 'Goal', 'Penalty Conceded'],
  [ARG, { id: 5503, name: 'Lionel Andrés Messi Cuccittini' }, 'Goal', 'Penalty Conceded'],
  [FRA, { id: 8217, name: 'Kingsley Coman' }, 'Saved', 'Penalty Saved'],
  [ARG, { id: 5743, name: 'Paulo Bruno Exequiel Dybala' }, 'Goal', 'Penalty Conceded'],
  [FRA, { id: 10481, name: 'Aurélien Djani Tchouaméni' }, 'Off T', 'Shot Faced'],
  [ARG, { id: 16308, name: 'Leandro Daniel Paredes' }, 'Goal', 'Penalty Conceded'],
  [FRA, { id: 22097, name: 'Randal Kolo Muani' }, 'Goal', 'Penalty Conceded'],
  [ARG, { id: 28263, name: 'Gonzalo Ariel Montiel' }, 'Goal', 'Penalty Conceded'],
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** StatsBomb's period-relative `HH:MM:SS.mmm`. */
const stamp = (ms: number) => `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
const ms = (ts: string) => {
  const [h, m, s] = ts.split(':');
  return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
};

/** The fields every StatsBomb event carries (a constructed event takes them from a real one, without its type-specific object). */
const COMMON = ['id', 'index', 'period', 'timestamp', 'minute', 'second', 'type', 'possession', 'possession_team', 'play_pattern', 'team', 'player', 'position', 'location', 'duration'];
const common = (ev: Raw): Raw => Object.fromEntries(Object.entries(ev).filter(([k]) => COMMON.includes(k))) as Raw;

/** `ev` moved to `offset` ms into `period` (minute runs on across periods, as StatsBomb's does). */
function retime<T extends Raw>(ev: T, period: number, offset: number, id: string): T {
  return { ...ev, id, period, timestamp: stamp(offset), minute: PERIOD_MINUTE[period]! + Math.floor(offset / 60_000), second: Math.floor(offset / 1000) % 60 };
}

export interface MatchFixture {
  readonly dir: string;
  readonly matchId: number;
  readonly events: Raw[];
}

/** Builds the match from the excerpt and writes `events/<id>.json` and `lineups/<id>.json` into a temp folder. */
export async function writeWholeMatchFixture(matchId = 9_386_968): Promise<MatchFixture> {
  const excerpt = JSON.parse(await readFile(SB_FILES.eventsFile, 'utf8')) as Raw[];
  const byIndex = (i: number) => excerpt.find((e) => e.index === i)!;
  const [startXiArg, startXiFra, halfStartFra, halfStartArg] = [1, 2, 3, 4].map(byIndex) as [Raw, Raw, Raw, Raw];
  let n = 0;
  const fresh = () => `fx-${++n}`;
  const timed: { period: number; offset: number; ev: Raw }[] = [];
  const add = (period: number, offset: number, ev: Raw) => timed.push({ period, offset, ev: retime(ev, period, offset, ev.id) });

  /** The excerpt's Half Start pair (France's first, as StatsBomb writes them), or the same shape as Half End. */
  const pair = (period: number, offset: number, name: 'Half Start' | 'Half End') => {
    const [a, b] = [fresh(), fresh()];
    const type = name === 'Half Start' ? halfStartFra.type : { id: 34, name: 'Half End' };
    add(period, offset, { ...halfStartFra, id: a, type, related_events: [b] });
    add(period, offset, { ...halfStartArg, id: b, type, related_events: [a] });
  };

  add(1, 0, { ...startXiArg });
  add(1, 0, { ...startXiFra });
  for (const period of [1, 2, 3, 4]) {
    pair(period, 0, 'Half Start');
    const [from, to] = BLOCKS[period]!;
    const block = excerpt.filter((e) => e.index >= from && e.index <= to);
    const ids = new Map(block.map((e) => [e.id, `${e.id}-p${period}`]));
    const first = ms(block[0]!.timestamp);
    let end = 0;
    for (const e of block) {
      const offset = ms(e.timestamp) - first + 1_000;
      end = Math.max(end, offset);
      const related = (e.related_events ?? []).flatMap((r) => (ids.has(r) ? [ids.get(r)!] : []));
      add(period, offset, { ...e, id: ids.get(e.id)!, ...(related.length ? { related_events: related } : { related_events: undefined }) });
    }
    for (const [p, scorer, offset] of GOALS) {
      if (p !== period) continue;
      const who = common(byIndex(scorer));
      const [shotId, keeperId] = [fresh(), fresh()];
      const team = who.team as typeof ARG;
      add(period, offset, { ...who, id: shotId, type: { id: 16, name: 'Shot' }, location: [108.1, 40.1], duration: 0.5, related_events: [keeperId], shot: { statsbomb_xg: 0.7835, end_location: [120.0, 38.3, 0.2], type: { id: 87, name: 'Open Play' }, outcome: { id: 97, name: 'Goal' } } });
      const keeper = team.id === ARG.id ? { team: FRA, player: LLORIS } : { team: ARG, player: MARTINEZ };
      add(period, offset + 400, { ...who, ...keeper, id: keeperId, type: { id: 23, name: 'Goal Keeper' }, location: [1.0, 40.0], related_events: [shotId], goalkeeper: { type: { id: 28, name: 'Goal Conceded' } } });
    }
    pair(period, Math.max(end, ...GOALS.filter(([p]) => p === period).map(([, , o]) => o + 6_000)) + 2_000, 'Half End');
  }
  pair(5, 0, 'Half Start');
  let offset = 0;
  for (const [team, taker, outcome, keeperType] of SHOOTOUT) {
    offset += 12_000;
    const [shotId, keeperId] = [fresh(), fresh()];
    const base = { ...common(halfStartFra), possession_team: team, play_pattern: { id: 5, name: 'Other' } };
    add(5, offset, { ...base, id: shotId, type: { id: 16, name: 'Shot' }, team, player: taker, location: [108.1, 40.1], duration: 0.5, related_events: [keeperId], shot: { statsbomb_xg: 0.7835, end_location: [120.0, 38.3, 0.2], type: { id: 88, name: 'Penalty' }, outcome: { id: 0, name: outcome } } });
    const keeper = team.id === ARG.id ? { team: FRA, player: LLORIS } : { team: ARG, player: MARTINEZ };
    add(5, offset + 500, { ...base, ...keeper, id: keeperId, type: { id: 23, name: 'Goal Keeper' }, location: [1.0, 40.0], related_events: [shotId], goalkeeper: { type: { id: 0, name: keeperType } } });
  }
  pair(5, offset + 1_000, 'Half End');

  // File order is time order within each period, as in StatsBomb's files.
  const events = timed
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => a.period - b.period || a.offset - b.offset || a.i - b.i)
    .map((x, i) => ({ ...x.ev, index: i + 1 }));
  const dir = await mkdtemp(join(tmpdir(), 'sb-open-data-'));
  await mkdir(join(dir, 'events'));
  await mkdir(join(dir, 'lineups'));
  await writeFile(join(dir, 'events', `${matchId}.json`), JSON.stringify(events));
  await writeFile(join(dir, 'lineups', `${matchId}.json`), await readFile(SB_FILES.lineupsFile));
  return { dir, matchId, events };
}
