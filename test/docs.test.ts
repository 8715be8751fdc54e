import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'node:test';
import { renderConfigDocs } from '../scripts/config-docs.js';
import { ENV_BINDINGS } from '../src/config/index.js';
import { DIALECT_MODULES } from '../src/dialects/index.js';

const root = resolve(import.meta.dirname, '..');

it('docs/config.md is generated from the current schema (run `npm run config:docs`)', () => {
  assert.equal(readFileSync(join(root, 'docs', 'config.md'), 'utf8'), renderConfigDocs());
});

it('every environment variable is named in the README or docs/config.md', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const config = readFileSync(join(root, 'docs', 'config.md'), 'utf8');
  for (const b of ENV_BINDINGS) assert.ok(readme.includes(b.name) || config.includes(b.name), b.name);
});

it('the README gives the two commands and every dialect has a PROTOCOL.md', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.match(readme, /npm ci && npm start/);
  assert.match(readme, /npm ci && npm test/);
  for (const { name } of DIALECT_MODULES) {
    assert.ok(existsSync(join(root, 'src', 'dialects', name, 'PROTOCOL.md')), `${name}/PROTOCOL.md`);
  }
});
