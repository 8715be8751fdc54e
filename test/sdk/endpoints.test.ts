/** The SDK's URLs (sdk/src/endpoints.ts, PROTOCOL.md §1 and §16). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoints, sseUrl } from '../../sdk/src/endpoints.js';

describe('sdk endpoints', () => {
  it('derives the WebSocket and SSE URLs from any of the forms an application may give', () => {
    const plain = { ws: 'ws://h:4005/v1/ws', sse: 'http://h:4005/v1/sse' };
    for (const url of ['ws://h:4005', 'http://h:4005/', 'ws://h:4005/v1/ws', 'http://h:4005/v1/sse']) assert.deepEqual(endpoints(url), plain, url);
    assert.deepEqual(endpoints('https://example.org/hub'), { ws: 'wss://example.org/hub/v1/ws', sse: 'https://example.org/hub/v1/sse' });
    assert.throws(() => endpoints('ftp://h'), TypeError);
  });

  it('writes since as <epoch>:<offset> for one channel and <channel>@<epoch>:<offset> for several', () => {
    const one = new URL(sseUrl('http://h/v1/sse', [{ channel: 'match:demo', since: { epoch: 'e1', offset: 4 } }], 'tok'));
    assert.deepEqual(one.searchParams.getAll('channel'), ['match:demo']);
    assert.deepEqual(one.searchParams.getAll('since'), ['e1:4']);
    assert.equal(one.searchParams.get('token'), 'tok');
    const two = new URL(sseUrl('http://h/v1/sse', [{ channel: 'a:x', since: { epoch: 'e', offset: 1 } }, { channel: 'b:y' }]));
    assert.deepEqual(two.searchParams.getAll('since'), ['a:x@e:1']);
    assert.deepEqual(two.searchParams.getAll('channel'), ['a:x', 'b:y']);
  });
});
