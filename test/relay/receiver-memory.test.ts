/**
 * Issue 19 (≤ 6.5 KiB per idle connection): an idle receiver must not keep its upgrade request
 * (an IncomingMessage with its headers, ~240 B plus strings) alive for the life of its socket. The
 * gate's error listener and the sessions' refusal listener used to be closures over the upgrade's
 * scope. The requests are observed through WeakRefs taken as the HTTP server emits `upgrade`.
 */
import assert from 'node:assert/strict';
import { Server, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from '../helpers/ws-client.js';
import { eventually, startRelay } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** WeakRefs to every upgrade request any HTTP server of this process emits from now on. */
function watchUpgradeRequests(): WeakRef<IncomingMessage>[] {
  const refs: WeakRef<IncomingMessage>[] = [];
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'upgrade') refs.push(new WeakRef(args[0] as IncomingMessage));
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;
  return refs;
}

describe('relay receiver memory (issue 19)', () => {
  it('an idle receiver does not keep its upgrade request alive', async (t) => {
    const h = await startRelay();
    t.after(() => h.close());
    const requests = watchUpgradeRequests();
    const receivers = [await connect(h.url('c', 'k', 'receive')), await connect(h.url('c', 'k', 'receive-clear-cache'))];
    await eventually(() => h.dialect.stats().connections === 2);
    assert.equal(requests.length, 2);
    // Several collections, a turn of the event loop apart: WeakRefs are cleared only after the job that created them.
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    assert.deepEqual(requests.map((r) => r.deref() === undefined), [true, true], 'the receivers (still open) keep their upgrade requests');
    assert.ok(receivers.every((r) => r.ws.readyState === r.ws.OPEN));
  });
});
