/**
 * Where a replay's files live (issue 14): either a folder laid out as StatsBomb's open-data
 * repository (`data/` of `statsbomb/open-data`: `events/<id>.json`, `lineups/<id>.json`, optional
 * `three-sixty/<id>.json`), or the excerpt this repository ships in `data/statsbomb/`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadStatsBombSync, type StatsBombFiles } from './load.js';

/** The 2022 World Cup final, Argentina v France: the match the shipped excerpt comes from. */
export const SHIPPED_MATCH_ID = 3869685;

/**
 * The shipped files (`<dataDir>/statsbomb/`): the first 4½ minutes of match 3869685, its full
 * lineups and its match object (data/statsbomb/README.md).
 */
export function shippedFiles(dataDir: string): StatsBombFiles {
  const dir = join(dataDir, 'statsbomb');
  return {
    eventsFile: join(dir, `events-${SHIPPED_MATCH_ID}-excerpt.json`),
    lineupsFile: join(dir, `lineups-${SHIPPED_MATCH_ID}.json`),
    matchFile: join(dir, `match-${SHIPPED_MATCH_ID}.json`),
  };
}

/**
 * A match's files in an open-data folder. `matches/` is not read (finding one match means
 * scanning every season file): home is then the team of the first Starting XI event, which
 * StatsBomb lists first (lineup.ts `resolveSides`). The 360 file is used when it exists.
 */
export function openDataFiles(dir: string, matchId: number): StatsBombFiles {
  const root = resolve(dir);
  const threeSixtyFile = join(root, 'three-sixty', `${matchId}.json`);
  return {
    eventsFile: join(root, 'events', `${matchId}.json`),
    lineupsFile: join(root, 'lineups', `${matchId}.json`),
    ...(existsSync(threeSixtyFile) ? { threeSixtyFile } : {}),
  };
}

/**
 * Checks an open-data folder before anything starts: the folder, `events/<id>.json` and
 * `lineups/<id>.json` exist and every file present (three-sixty too) is StatsBomb JSON that the
 * replay accepts. Returns the problems, each naming its path; empty when the folder is usable.
 */
export function checkOpenDataFolder(dir: string, matchId: number): string[] {
  const root = resolve(dir);
  if (!isDirectory(root)) return [`${root}: no such folder (expected StatsBomb open data: events/<id>.json, lineups/<id>.json)`];
  const files = openDataFiles(root, matchId);
  const missing = [files.eventsFile, files.lineupsFile].filter((f) => !isFile(f));
  if (missing.length > 0) return missing.map((f) => `${f}: no such file (match ${matchId} is not in ${root})`);
  try {
    const data = loadStatsBombSync(files);
    if (data.events.length === 0) return [`${files.eventsFile}: holds no StatsBomb events`];
  } catch (err) {
    return [(err as Error).message.replace(/^statsbomb: /, '')];
  }
  return [];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
