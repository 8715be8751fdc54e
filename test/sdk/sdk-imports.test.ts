/**
 * The SDK stands alone (DESIGN.md dependency rule "sdk → nothing in src/"; issue 18 "no imports from
 * src/"): every import in sdk/src is relative and stays inside sdk/src — no src/, no node: module
 * (it runs in browsers), no third-party package (it has no dependencies).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';

const sdkSrc = resolve(import.meta.dirname, '../../sdk/src');
const sdkPackage = JSON.parse(readFileSync(resolve(sdkSrc, '../package.json'), 'utf8')) as Record<string, unknown>;

it('sdk/src imports only its own files', () => {
  const files = readdirSync(sdkSrc, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 10, `found ${files.length} files`);
  const bad: string[] = [];
  const re = /^\s*(?:import|export)\s+(?:type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const file of files) {
    const text = readFileSync(join(sdkSrc, file), 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = m[1] ?? m[2] ?? '';
      const inside = spec.startsWith('.') && !relative(sdkSrc, resolve(dirname(join(sdkSrc, file)), spec)).startsWith('..');
      if (!inside || !spec.endsWith('.js')) bad.push(`${file}: ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

it('the package is ESM, typed, and has no dependencies', () => {
  assert.equal(sdkPackage.name, '@streamhub/sdk');
  assert.equal(sdkPackage.type, 'module');
  assert.equal(sdkPackage.types, './dist/index.d.ts');
  assert.equal(sdkPackage.dependencies, undefined);
  assert.equal(sdkPackage.peerDependencies, undefined);
});
