import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkJsonBounds, JsonBoundsError, parseBoundedJson } from './json-bounds.js';

const nested = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth);

describe('json bounds', () => {
  it('accepts scalars and values at the depth limit', () => {
    assert.deepEqual(checkJsonBounds(5), { ok: true });
    assert.deepEqual(checkJsonBounds(JSON.parse(nested(4, '[', ']')), { maxDepth: 4, maxNodes: 100 }), { ok: true });
  });

  it('refuses one level past the depth limit, for arrays and objects alike', () => {
    assert.equal(checkJsonBounds(JSON.parse(nested(5, '[', ']')), { maxDepth: 4, maxNodes: 100 }).ok, false);
    const deepObject = JSON.parse('{"a":'.repeat(5) + '1' + '}'.repeat(5));
    assert.equal(checkJsonBounds(deepObject, { maxDepth: 4, maxNodes: 100 }).ok, false);
  });

  it('walks 100,000 levels without overflowing the stack (the spectra crash of issue 20)', () => {
    const value = JSON.parse(nested(100_000, '[', ']'));
    assert.throws(() => JSON.stringify(value), RangeError); // what crashed the process
    const result = checkJsonBounds(value);
    assert.equal(result.ok, false);
  });

  it('counts values, so a wide document is bounded too', () => {
    const wide = Array.from({ length: 50 }, (_, i) => i);
    assert.equal(checkJsonBounds(wide, { maxDepth: 4, maxNodes: 50 }).ok, false);
    assert.equal(checkJsonBounds(wide, { maxDepth: 4, maxNodes: 51 }).ok, true);
  });

  it('parseBoundedJson throws SyntaxError for bad JSON and JsonBoundsError for deep JSON', () => {
    assert.throws(() => parseBoundedJson('{'), SyntaxError);
    assert.throws(() => parseBoundedJson(nested(40, '[', ']')), JsonBoundsError);
    assert.deepEqual(parseBoundedJson('{"a":[1,2]}'), { a: [1, 2] });
  });
});
