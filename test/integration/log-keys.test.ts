/**
 * Issue 14: no field appears twice in a log line. nova and elstat lines carried `"mod"` twice (the
 * server bound `mod` and the dialect bound it again); JSON.parse keeps the last, so these tests read
 * the raw lines.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { duplicateKeys } from './json-keys.js';
import { FREE_PORTS_ENV, startMain } from './main-process.js';

it('the duplicate-key scan sees what JSON.parse hides', () => {
  assert.deepEqual(duplicateKeys('{"mod":"a","x":{"mod":1,"y":[{"k":1},{"k":2}]},"mod":"b"}'), ['mod']);
  assert.deepEqual(duplicateKeys('{"a":"\\"a\\":","b":{"a":1}}'), []);
});

it('a child logger that binds a key its parent bound writes that key once, with the inner value', () => {
  let written = '';
  const destination = new Writable({ write: (chunk: Buffer, _e, done) => ((written += chunk.toString()), done()) });
  const root = createLogger({ level: 'info', destination });
  root.child({ mod: 'broker', worker: 0 }).child({ mod: 'broker.redis' }).warn({ channel: 'c' }, 'one line');
  const line = written.trim();
  assert.deepEqual(duplicateKeys(line), [], line);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.equal(parsed.mod, 'broker.redis');
  assert.equal(parsed.worker, 0);
});

it('every line a started server logs (demos on, JSON because stdout is a pipe) has each key once', { timeout: 120_000 }, async () => {
  const main = startMain({ ...FREE_PORTS_ENV, STREAMHUB_DEMO: 'true' });
  try {
    // The nova demo-auth warning and the elstat listener line are the two that carried "mod" twice.
    await main.waitFor((o) => o.includes('StreamHub listening') && o.includes('demo producers started') && o.includes('elstat listening') && o.includes('DEMO AUTH'), 'start-up lines');
  } finally {
    assert.equal(await main.stop(), 0, main.output());
  }
  const lines = main.output().split('\n').filter((l) => l.trim() !== '');
  assert.ok(lines.length >= 5, main.output());
  const mods = new Set<unknown>();
  for (const line of lines) {
    const parsed = JSON.parse(line) as Record<string, unknown>; // every line is JSON: stdout is not a terminal
    mods.add(parsed.mod);
    assert.deepEqual(duplicateKeys(line), [], line);
  }
  assert.ok(mods.has('dialect.nova') && mods.has('dialect.elstat'), `mods seen: ${[...mods].join(', ')}`);
});
