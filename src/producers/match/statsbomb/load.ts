/** Reads StatsBomb open-data files (events, lineups, match, three-sixty) with size and shape checks. */
import { readFile, stat } from 'node:fs/promises';
import type { Sb360Frame, SbEvent, SbLineupTeam, SbMatch } from './types.js';

/** A whole match's events file is ~4 MB; anything far larger is not a StatsBomb match file. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface StatsBombFiles {
  readonly eventsFile: string;
  readonly lineupsFile: string;
  readonly matchFile?: string;
  readonly threeSixtyFile?: string;
}

export interface StatsBombData {
  readonly events: SbEvent[];
  readonly lineups: SbLineupTeam[];
  readonly match?: SbMatch;
  readonly threeSixty?: Sb360Frame[];
}

async function readJson(path: string): Promise<unknown> {
  const size = (await stat(path)).size;
  if (size > MAX_FILE_BYTES) throw new Error(`statsbomb: ${path} is ${size} bytes, over the ${MAX_FILE_BYTES} byte limit`);
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

function arrayOf<T>(value: unknown, path: string, valid: (item: Record<string, unknown>) => boolean): T[] {
  if (!Array.isArray(value)) throw new Error(`statsbomb: ${path} is not a JSON array`);
  const items = value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && valid(v as Record<string, unknown>));
  return items as T[];
}

const isEvent = (e: Record<string, unknown>): boolean =>
  typeof e.id === 'string' && typeof e.period === 'number' && typeof e.minute === 'number' && typeof e.second === 'number' && typeof e.type === 'object' && e.type !== null;

/** Loads and checks the files; events without id/period/minute/second/type are dropped. */
export async function loadStatsBomb(files: StatsBombFiles): Promise<StatsBombData> {
  const events = arrayOf<SbEvent>(await readJson(files.eventsFile), files.eventsFile, isEvent);
  const lineups = arrayOf<SbLineupTeam>(await readJson(files.lineupsFile), files.lineupsFile, (l) => typeof l.team_id === 'number' && Array.isArray(l.lineup));
  for (const team of lineups) (team as { lineup: unknown[] }).lineup = team.lineup.filter((p) => typeof p === 'object' && p !== null && typeof (p as { player_id?: unknown }).player_id === 'number');
  if (lineups.length !== 2) throw new Error(`statsbomb: ${files.lineupsFile} must hold exactly two teams`);
  const data: { -readonly [K in keyof StatsBombData]: StatsBombData[K] } = { events, lineups };
  if (files.matchFile) {
    const match = await readJson(files.matchFile);
    if (typeof match !== 'object' || match === null || Array.isArray(match)) throw new Error(`statsbomb: ${files.matchFile} is not a JSON object`);
    data.match = match as SbMatch;
  }
  if (files.threeSixtyFile) data.threeSixty = arrayOf<Sb360Frame>(await readJson(files.threeSixtyFile), files.threeSixtyFile, (f) => typeof f.event_uuid === 'string');
  return data;
}
