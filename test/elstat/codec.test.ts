/** The elstat codec on bytes (seed 004 "OP Codes", "Error codes"). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeClientFrame, encodeChannelsReply, encodeData, encodeIncident, parseWireChannel } from '../../src/dialects/elstat/codec.js';

const bytes = (s: string) => new TextEncoder().encode(s);

it('decodes SUBSCRIBE and UNSUBSCRIBE, ignoring extra fields', () => {
  assert.deepEqual(decodeClientFrame(bytes('{"op":0,"channels":["status:a"],"x":1}'), false, 256), { ok: true, command: { op: 0, channels: ['status:a'] } });
  assert.deepEqual(decodeClientFrame(bytes('{"op":-1,"channels":[]}'), false, 256), { ok: true, command: { op: -1, channels: [] } });
});

it('checks size before anything else, then binary, JSON, op and channels', () => {
  const tooBig = decodeClientFrame(bytes('x'.repeat(257)), true, 256);
  assert.equal(!tooBig.ok && tooBig.close.code, 4420);
  const binary = decodeClientFrame(bytes('{"op":0,"channels":[]}'), true, 256);
  assert.equal(!binary.ok && binary.close.code, 4200);
  const badUtf8 = decodeClientFrame(new Uint8Array([0x7b, 0xff, 0x7d]), false, 256);
  assert.equal(!badUtf8.ok && badUtf8.close.code, 4200);
});

it('encodes replies, DATA and incident ops as the seed shows them', () => {
  assert.equal(encodeChannelsReply(1, ['status:a']), '{"op":1,"channels":["status:a"]}');
  assert.equal(new TextDecoder().decode(encodeData('latency:a', 1531300000000, 42)), '{"op":3,"c":"latency:a","d":[1531300000000,42]}');
  assert.equal(new TextDecoder().decode(encodeIncident(6, { id: 1 })), '{"op":6,"d":{"id":1}}');
});

it('channel names are <type>:<name> with the two seed types only', () => {
  assert.deepEqual(parseWireChannel('status:elixire'), { type: 'status', service: 'elixire' });
  assert.deepEqual(parseWireChannel('latency:a:b'), { type: 'latency', service: 'a:b' });
  assert.equal(parseWireChannel('graph:elixire'), null);
  assert.equal(parseWireChannel('status:'), null);
  assert.equal(parseWireChannel('status'), null);
});
