/** Position tracking (sdk/src/position.ts): continuity classes and the `<epoch>:<offset>` form. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asPosition, continuity, formatPosition, parsePosition } from '../../sdk/src/position.js';

describe('sdk positions', () => {
  it('classifies next, duplicate, gap and epoch change', () => {
    const last = { offset: 7, epoch: 'a' };
    assert.equal(continuity(undefined, { offset: 99, epoch: 'a' }), 'next');
    assert.equal(continuity(last, { offset: 8, epoch: 'a' }), 'next');
    assert.equal(continuity(last, { offset: 7, epoch: 'a' }), 'duplicate');
    assert.equal(continuity(last, { offset: 3, epoch: 'a' }), 'duplicate');
    assert.equal(continuity(last, { offset: 10, epoch: 'a' }), 'gap');
    assert.equal(continuity(last, { offset: 8, epoch: 'b' }), 'epoch-changed');
  });

  it('formats and parses <epoch>:<offset>, an epoch may contain colons', () => {
    assert.equal(formatPosition({ offset: 12, epoch: 'x1' }), 'x1:12');
    assert.deepEqual(parsePosition('node:a:b:42'), { epoch: 'node:a:b', offset: 42 });
    for (const bad of ['', ':1', 'abc', 'e:-1', 'e:1.5', 'e:']) assert.equal(parsePosition(bad), undefined, bad);
  });

  it('accepts only well-formed positions from the wire', () => {
    assert.deepEqual(asPosition({ offset: 1, epoch: 'e', extra: true }), { offset: 1, epoch: 'e' });
    for (const bad of [null, 1, { offset: '1', epoch: 'e' }, { offset: 1 }, { offset: 2 ** 60, epoch: 'e' }]) {
      assert.equal(asPosition(bad), undefined, JSON.stringify(bad));
    }
  });
});
