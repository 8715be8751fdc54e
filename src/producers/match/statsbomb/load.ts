/** Reads StatsBomb open-data files (events, lineups, match, three-sixty) with size and shape checks. */
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Sb360Frame, SbEvent, SbLineupTeam, SbMatch } from './types.js';
import { ErrorCode, StreamHubError } from '../../../core/index.js';

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

function checkSize(path: string, size: number): void {
  if (size > MAX_FILE_BYTES) throw new StreamHubError(ErrorCode.dataFile, `statsbomb: ${path} is ${size} bytes, over the ${MAX_FILE_BYTES} byte limit`);
}

/** JSON.parse naming the file: a bare SyntaxError would not say which of the files is broken. */
function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new StreamHubError(ErrorCode.dataFile, `statsbomb: ${path} is not valid JSON (${(err as Error).message})`);
  }
}

async function readJson(path: string): Promise<unknown> {
  checkSize(path, (await stat(path)).size);
  return parseJson(await readFile(path, 'utf8'), path);
}

function readJsonSync(path: string): unknown {
  checkSize(path, statSync(path).size);
  return parseJson(readFileSync(path, 'utf8'), path);
}

function arrayOf<T>(value: unknown, path: string, valid: (item: Record<string, unknown>) => boolean): T[] {
  if (!Array.isArray(value)) throw new StreamHubError(ErrorCode.dataFile, `statsbomb: ${path} is not a JSON array`);
  const items = value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && valid(v as Record<string, unknown>));
  return items as T[];
}

const isEvent = (e: Record<string, unknown>): boolean =>
  typeof e.id === 'string' && typeof e.period === 'number' && typeof e.minute === 'number' && typeof e.second === 'number' && typeof e.type === 'object' && e.type !== null;

/** The files' parsed JSON, in the order `files` names them (absent optional files stay undefined). */
interface RawFiles {
  readonly events: unknown;
  readonly lineups: unknown;
  readonly match?: unknown;
  readonly threeSixty?: unknown;
}

/** Checks the parsed JSON; events without id/period/minute/second/type and lineup entries without a player id are dropped. */
function assemble(raw: RawFiles, files: StatsBombFiles): StatsBombData {
  const events = arrayOf<SbEvent>(raw.events, files.eventsFile, isEvent);
  const lineups = arrayOf<SbLineupTeam>(raw.lineups, files.lineupsFile, (l) => typeof l.team_id === 'number' && Array.isArray(l.lineup));
  for (const team of lineups) (team as { lineup: unknown[] }).lineup = team.lineup.filter((p) => typeof p === 'object' && p !== null && typeof (p as { player_id?: unknown }).player_id === 'number');
  if (lineups.length !== 2) throw new StreamHubError(ErrorCode.dataFile, `statsbomb: ${files.lineupsFile} must hold exactly two teams`);
  const data: { -readonly [K in keyof StatsBombData]: StatsBombData[K] } = { events, lineups };
  if (files.matchFile) {
    const match = raw.match;
    if (typeof match !== 'object' || match === null || Array.isArray(match)) throw new StreamHubError(ErrorCode.dataFile, `statsbomb: ${files.matchFile} is not a JSON object`);
    data.match = match as SbMatch;
  }
  if (files.threeSixtyFile) data.threeSixty = arrayOf<Sb360Frame>(raw.threeSixty, files.threeSixtyFile, (f) => typeof f.event_uuid === 'string');
  return data;
}

/** Loads and checks the files (what a replay reads each time it starts). */
export async function loadStatsBomb(files: StatsBombFiles): Promise<StatsBombData> {
  return assemble(
    {
      events: await readJson(files.eventsFile),
      lineups: await readJson(files.lineupsFile),
      ...(files.matchFile ? { match: await readJson(files.matchFile) } : {}),
      ...(files.threeSixtyFile ? { threeSixty: await readJson(files.threeSixtyFile) } : {}),
    },
    files,
  );
}

/** The same checks, synchronously: start-up validation of a configured data folder (config is parsed synchronously). */
export function loadStatsBombSync(files: StatsBombFiles): StatsBombData {
  return assemble(
    {
      events: readJsonSync(files.eventsFile),
      lineups: readJsonSync(files.lineupsFile),
      ...(files.matchFile ? { match: readJsonSync(files.matchFile) } : {}),
      ...(files.threeSixtyFile ? { threeSixty: readJsonSync(files.threeSixtyFile) } : {}),
    },
    files,
  );
}
