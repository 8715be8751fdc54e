/**
 * One error family with stable codes (issue 16 step 4; docs/errors.md): every code is unique and
 * documented, every documented code exists, and src/ throws nothing outside the family.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { it } from 'node:test';
import { EnvelopeError } from '../src/brokers/envelope.js';
import { CliError, Exit } from '../src/cli/args.js';
import { NovaControlError } from '../src/dialects/nova/control.js';
import { ErrorCode, StreamHubError } from '../src/errors.js';
import { JsonBoundsError } from '../src/util/json-bounds.js';

const root = resolve(import.meta.dirname, '..');
const codes = Object.values(ErrorCode);

/** The first column of docs/errors.md's table: `| \`ERR_…\` | …`. */
function documentedCodes(): string[] {
  const text = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  return [...text.matchAll(/^\|\s*`(ERR_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]!);
}

it('every error code is unique and spelled ERR_UPPER_SNAKE', () => {
  assert.equal(new Set(codes).size, codes.length, `duplicate codes: ${codes.filter((c, i) => codes.indexOf(c) !== i).join(', ')}`);
  for (const code of codes) assert.match(code, /^ERR_[A-Z0-9_]+$/);
});

it('docs/errors.md documents every code once, and no code that does not exist', () => {
  const documented = documentedCodes();
  assert.equal(new Set(documented).size, documented.length, 'a code is documented twice');
  assert.deepEqual([...documented].sort(), [...codes].sort());
});

it('the error classes are StreamHubErrors with a documented code', () => {
  const samples: readonly StreamHubError[] = [
    new EnvelopeError('envelope truncated'),
    new CliError('bad flag', Exit.usage),
    new JsonBoundsError('too deep'),
    new NovaControlError('conflict', 'stream is already live'),
    new NovaControlError('invalid', 'bad body'),
  ];
  for (const err of samples) {
    assert.ok(err instanceof StreamHubError, err.name);
    assert.ok(codes.includes(err.code), `${err.name}: ${err.code}`);
  }
  assert.equal(new NovaControlError('not_found', 'unknown stream').code, ErrorCode.notFound);
  assert.equal(new NovaControlError('not_found', 'unknown stream').reason, 'not_found');
});

it('src/ throws nothing outside the family: no plain Error, no class extending Error but StreamHubError', () => {
  const src = join(root, 'src');
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(src, f));
  const bad: string[] = [];
  for (const file of files) {
    const rel = relative(src, file);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.trimStart().startsWith('*') || line.trimStart().startsWith('//')) return;
        const plain = /\bnew (Error|TypeError|RangeError|SyntaxError)\(/.test(line);
        const base = /\bextends (Error|TypeError|RangeError|SyntaxError)\b/.test(line) && rel !== 'core/errors.ts';
        if (plain || base) bad.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(bad, []);
});
