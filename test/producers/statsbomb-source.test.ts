/**
 * Issue 14: replaying a whole match from a local copy of StatsBomb open data. The folder and the
 * match id are settings (`match.demo.statsbombDir` / STREAMHUB_STATSBOMB_DIR,
 * `match.demo.statsbombMatchId` / STREAMHUB_STATSBOMB_MATCH_ID); a missing or invalid folder or
 * file stops the start with exit code 2 and names the path.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { replayStreamId } from '../../src/producers/match/demos.js';
import { openDataFiles } from '../../src/producers/match/statsbomb/source.js';
import { writeWholeMatchFixture } from './statsbomb-fixture.js';

const root = resolve(import.meta.dirname, '../..');
const FREE_PORTS = { STREAMHUB_HOST: '127.0.0.1', STREAMHUB_OPERATOR_PORT: '0', STREAMHUB_MATCH_PORT: '0', STREAMHUB_NOVA_PORT: '0', STREAMHUB_RELAY_PORT: '0', STREAMHUB_ELSTAT_PORT: '0', STREAMHUB_PROTOCOL_PORT: '0', STREAMHUB_SPECTRA_INGEST_PORT: '0', STREAMHUB_SPECTRA_OUTPUT_PORT: '0', STREAMHUB_SPECTRA_STATUS_PORT: '0' };

/** The problems parseConfig reports for these environment variables (none: []). */
function problems(env: Record<string, string>): string[] {
  try {
    parseConfig({ env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

describe('StatsBomb open-data folder (issue 14)', () => {
  it('defaults: the shipped excerpt of match 3869685, under the demo id', () => {
    const demo = parseConfig({ env: {} }).match.demo;
    assert.deepEqual([demo.statsbombDir, demo.statsbombMatchId], [null, 3869685]);
    assert.equal(replayStreamId(demo), 'fifa-wc-2022-final-arg-fra');
    assert.equal(replayStreamId({ statsbombDir: '/x', statsbombMatchId: 3869685 }), 'fifa-wc-2022-final-arg-fra');
    assert.equal(replayStreamId({ statsbombDir: '/x', statsbombMatchId: 3788741 }), 'statsbomb-3788741');
  });

  it('a folder laid out as open data is accepted from the environment; its files are events/<id>.json, lineups/<id>.json, three-sixty/<id>.json', async () => {
    const fixture = await writeWholeMatchFixture(4242);
    const config = parseConfig({ env: { STREAMHUB_STATSBOMB_DIR: fixture.dir, STREAMHUB_STATSBOMB_MATCH_ID: '4242' } });
    assert.deepEqual([config.match.demo.statsbombDir, config.match.demo.statsbombMatchId], [fixture.dir, 4242]);
    assert.deepEqual(openDataFiles(fixture.dir, 4242), { eventsFile: join(fixture.dir, 'events', '4242.json'), lineupsFile: join(fixture.dir, 'lineups', '4242.json') });
    await mkdir(join(fixture.dir, 'three-sixty'));
    await writeFile(join(fixture.dir, 'three-sixty', '4242.json'), '[]');
    assert.equal(openDataFiles(fixture.dir, 4242).threeSixtyFile, join(fixture.dir, 'three-sixty', '4242.json'));
    assert.deepEqual(problems({ STREAMHUB_STATSBOMB_DIR: fixture.dir, STREAMHUB_STATSBOMB_MATCH_ID: '4242' }), []);
  });

  it('each missing or invalid path is named: the folder, a match not in it, broken JSON, wrong shapes', async () => {
    const fixture = await writeWholeMatchFixture(77);
    const env = (dir: string, id = '77') => ({ STREAMHUB_STATSBOMB_DIR: dir, STREAMHUB_STATSBOMB_MATCH_ID: id });
    const missingDir = join(fixture.dir, 'nope');
    assert.deepEqual(problems(env(missingDir)), [`match.demo.statsbombDir: ${missingDir}: no such folder (expected StatsBomb open data: events/<id>.json, lineups/<id>.json)`]);
    assert.deepEqual(problems(env(fixture.dir, '78')), [
      `match.demo.statsbombDir: ${join(fixture.dir, 'events', '78.json')}: no such file (match 78 is not in ${fixture.dir})`,
      `match.demo.statsbombDir: ${join(fixture.dir, 'lineups', '78.json')}: no such file (match 78 is not in ${fixture.dir})`,
    ]);
    const broken = await mkdtemp(join(tmpdir(), 'sb-broken-'));
    await mkdir(join(broken, 'events'));
    await mkdir(join(broken, 'lineups'));
    await writeFile(join(broken, 'lineups', '77.json'), JSON.stringify([{ team_id: 1, lineup: [] }]));
    await writeFile(join(broken, 'events', '77.json'), '[{"id":');
    assert.match(problems(env(broken)).join('\n'), new RegExp(`${join(broken, 'events', '77.json')} is not valid JSON`));
    await writeFile(join(broken, 'events', '77.json'), '{"events":[]}');
    assert.match(problems(env(broken)).join('\n'), new RegExp(`${join(broken, 'events', '77.json')} is not a JSON array`));
    await writeFile(join(broken, 'events', '77.json'), '[]');
    assert.match(problems(env(broken)).join('\n'), new RegExp(`${join(broken, 'lineups', '77.json')} must hold exactly two teams`));
    await writeFile(join(broken, 'lineups', '77.json'), JSON.stringify([{ team_id: 1, lineup: [] }, { team_id: 2, lineup: [] }]));
    assert.match(problems(env(broken)).join('\n'), new RegExp(`${join(broken, 'events', '77.json')}: holds no StatsBomb events`));
    await mkdir(join(fixture.dir, 'three-sixty'));
    await writeFile(join(fixture.dir, 'three-sixty', '77.json'), 'not json');
    assert.match(problems(env(fixture.dir)).join('\n'), new RegExp(`${join(fixture.dir, 'three-sixty', '77.json')} is not valid JSON`));
  });

  it('a match id other than the shipped one needs a folder', () => {
    assert.match(problems({ STREAMHUB_STATSBOMB_MATCH_ID: '3788741' }).join('\n'), /match\.demo\.statsbombMatchId: the shipped data holds only match 3869685; set match\.demo\.statsbombDir/);
    assert.match(problems({ STREAMHUB_STATSBOMB_MATCH_ID: 'final' }).join('\n'), /STREAMHUB_STATSBOMB_MATCH_ID: expected a whole number/);
  });

  it('npm start with a folder that does not exist: exit code 2, the path named, nothing started', async () => {
    const missing = join(tmpdir(), 'no-such-open-data-folder');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...FREE_PORTS, STREAMHUB_STATSBOMB_DIR: missing },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('StreamHub listening')) child.kill('SIGKILL'); // it must not get this far
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2, stderr);
    assert.ok(stderr.includes(`match.demo.statsbombDir: ${missing}: no such folder`), stderr);
    assert.ok(!stdout.includes('StreamHub listening'));
  });
});
