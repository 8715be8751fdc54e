/** The SDK's event emitter (sdk/src/emitter.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Emitter } from '../../sdk/src/emitter.js';

describe('sdk emitter', () => {
  it('calls listeners in order, once() once, and on() returns the remover', () => {
    const e = new Emitter<{ n: number }>();
    const seen: string[] = [];
    const off = e.on('n', (v) => seen.push(`a${v}`));
    e.once('n', (v) => seen.push(`b${v}`));
    e.emit('n', 1);
    off();
    e.emit('n', 2);
    assert.deepEqual(seen, ['a1', 'b1']);
    assert.equal(e.listenerCount('n'), 0);
  });

  it('a throwing listener does not stop the others; its error goes to onListenerError', () => {
    const errors: unknown[] = [];
    const e = new Emitter<{ x: undefined }>((err) => errors.push(err));
    let reached = false;
    e.on('x', () => {
      throw new Error('boom');
    });
    e.on('x', () => (reached = true));
    e.emit('x', undefined);
    assert.equal(reached, true);
    assert.equal((errors[0] as Error).message, 'boom');
  });

  it('next() resolves with the next value or rejects after its timeout', async () => {
    const e = new Emitter<{ v: string }>();
    const p = e.next('v');
    e.emit('v', 'hi');
    assert.equal(await p, 'hi');
    await assert.rejects(e.next('v', 10), /no 'v' event/);
  });
});
