import assert from 'node:assert/strict';
import { it } from 'node:test';
import { IngestAcks, takeMessageId } from './ingest-acks.js';

/** A manual tick: cumulative acks are flushed once per scheduled turn. */
function manualTicks() {
  const queued: (() => void)[] = [];
  return { schedule: (fn: () => void) => queued.push(fn), run: () => queued.splice(0).forEach((fn) => fn()) };
}

it('cumulative: acknowledges only the settled prefix, once per tick, naming its last message', () => {
  const sent: unknown[] = [];
  const ticks = manualTicks();
  const acks = new IngestAcks('cumulative', (f) => sent.push(JSON.parse(f)), ticks.schedule);
  const refs = [1, 2, 3, 4].map((seq) => ({ seq, xId: `m-${seq}` }));
  for (const ref of refs) acks.begin(ref);
  acks.refused(refs[2]!); // 3 is refused while 1 and 2 are still in flight
  acks.published(refs[1]!, { offset: 11, epoch: 'e' });
  ticks.run();
  assert.deepEqual(sent, [], 'nothing settled at the head yet');
  acks.published(refs[0]!, { offset: 10, epoch: 'e' });
  ticks.run();
  assert.deepEqual(sent, [{ type: 'x_ack', upto: 3, x_id: 'm-3' }], '1–3 settled; 3 was refused, so no position');
  acks.published(refs[3]!, { offset: 12, epoch: 'e', duplicate: true });
  acks.begin({ seq: 5 });
  acks.published({ seq: 5 }, { offset: 13, epoch: 'e' });
  ticks.run();
  assert.deepEqual(sent.at(-1), { type: 'x_ack', upto: 5, offset: 13, epoch: 'e' });
  assert.equal(sent.length, 2, 'one frame for the tick');
});

it('each: one x_ack per published message, none for a refused one', () => {
  const sent: unknown[] = [];
  const acks = new IngestAcks('each', (f) => sent.push(JSON.parse(f)));
  acks.begin({ seq: 1 });
  acks.refused({ seq: 1 });
  acks.published({ seq: 2, xId: 'a' }, { offset: 1, epoch: 'e', duplicate: true });
  assert.deepEqual(sent, [{ type: 'x_ack', seq: 2, x_id: 'a', offset: 1, epoch: 'e', duplicate: true }]);
});

it('takes x_id off a message and refuses a malformed one', () => {
  assert.deepEqual(takeMessageId({ type: 'state', t: 1, x_id: 'k' }), { ok: true, value: { type: 'state', t: 1 }, xId: 'k' });
  assert.deepEqual(takeMessageId({ type: 'state', t: 1 }), { ok: true, value: { type: 'state', t: 1 } });
  assert.equal(takeMessageId({ x_id: 7 }).ok, false);
  assert.equal(takeMessageId({ x_id: '' }).ok, false);
  assert.equal(takeMessageId({ x_id: 'é' }).ok, false);
});
