/**
 * The in-process engine (src/coordination/local.ts): the ports contract, plus what only one node
 * has: the selection without a Redis URL, a health that is always ok, and a claim that is never lost.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCoordination, localCoordination } from '../../src/coordination/index.js';
import { silentLogger } from '../../src/log.js';
import { portsContract } from './ports.contract.js';

portsContract('local', async () => ({ ports: localCoordination(), close: async () => undefined }));

describe('local coordination engine', () => {
  it('is chosen without server.redisUrl: healthy, ready at once, every lease held from the start', async () => {
    const engine = await createCoordination({ redisUrl: null }, silentLogger);
    await engine.ready();
    assert.deepEqual(engine.health(), { ok: true, detail: 'local (one node)' });
    assert.equal(engine.ports.lease('any').held(), true);
    await engine.close();
    await engine.close(); // idempotent
  });

  it('a claim is never lost in process, so its handle offers no onLost', async () => {
    const handle = await localCoordination().claims('t').claim('k', { holderId: 'h', digest: 'd' });
    assert.ok(handle);
    assert.equal(handle.onLost, undefined);
  });

  it('each localCoordination() is its own node: nothing is shared between two of them', async () => {
    const [a, b] = [localCoordination(), localCoordination()];
    assert.ok(await a.claims('t').claim('k', { holderId: 'h1', digest: 'd' }));
    assert.ok(await b.claims('t').claim('k', { holderId: 'h2', digest: 'd' }));
    a.counters('c').adjust('x', 1);
    assert.equal(b.counters('c').count('x'), 0);
  });
});
