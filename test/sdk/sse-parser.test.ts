/** The event-stream parser (sdk/src/sse-parser.ts) against WHATWG HTML §9.2.6, fed in awkward chunks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseLineTooLong, SseParser, type SseEvent } from '../../sdk/src/sse-parser.js';

function parse(chunks: string[], options: ConstructorParameters<typeof SseParser>[1] = {}): SseEvent[] {
  const events: SseEvent[] = [];
  const p = new SseParser((e) => events.push(e), options);
  for (const c of chunks) p.feed(c);
  return events;
}

/** Every way of cutting `text` into two chunks gives the same events as one chunk. */
function everySplit(text: string): SseEvent[][] {
  const out: SseEvent[][] = [];
  for (let i = 0; i <= text.length; i++) out.push(parse([text.slice(0, i), text.slice(i)]));
  return out;
}

describe('sdk SSE parser', () => {
  it('parses event, data (multi-line), id, and keeps the last id across events', () => {
    const events = parse(['event: pub\nid: e1:5\ndata: {"a":1}\ndata: {"b":2}\n\ndata: x\n\n']);
    assert.deepEqual(events, [
      { type: 'pub', data: '{"a":1}\n{"b":2}', lastEventId: 'e1:5' },
      { type: 'message', data: 'x', lastEventId: 'e1:5' },
    ]);
  });

  it('gives the same events whatever the chunk boundaries, with LF, CR and CRLF line ends', () => {
    for (const eol of ['\n', '\r', '\r\n']) {
      const text = `: heartbeat${eol}event: pub${eol}id: ep:12${eol}data: hello${eol}${eol}data:no-space${eol}${eol}`;
      const expected = [
        { type: 'pub', data: 'hello', lastEventId: 'ep:12' },
        { type: 'message', data: 'no-space', lastEventId: 'ep:12' },
      ];
      for (const events of everySplit(text)) assert.deepEqual(events, expected, JSON.stringify(eol));
      assert.deepEqual(parse([...text]), expected, `one character at a time, ${JSON.stringify(eol)}`);
    }
  });

  it('reports comments (heartbeats) and retry, ignores unknown fields, a BOM and events without data', () => {
    const comments: string[] = [];
    const retries: number[] = [];
    const events = parse(['\uFEFF: ping\nretry: 3000\nretry: soon\nfoo: bar\nevent: x\n\ndata\n\n'], {
      onComment: (c) => comments.push(c),
      onRetry: (ms) => retries.push(ms),
    });
    assert.deepEqual(comments, ['ping']);
    assert.deepEqual(retries, [3000]);
    // `event: x` with no data is dropped; a bare `data` line is an empty data line.
    assert.deepEqual(events, [{ type: 'message', data: '', lastEventId: '' }]);
  });

  it('discards an incomplete event at the end of the stream and ignores ids containing NUL', () => {
    const events: SseEvent[] = [];
    const p = new SseParser((e) => events.push(e));
    p.feed('id: good\ndata: 1\n\nid: bad\0id\ndata: 2\n\ndata: never');
    p.end();
    assert.deepEqual(events, [
      { type: 'message', data: '1', lastEventId: 'good' },
      { type: 'message', data: '2', lastEventId: 'good' },
    ]);
  });

  it('refuses a line longer than maxLineLength instead of buffering it without bound', () => {
    const p = new SseParser(() => undefined, { maxLineLength: 16 });
    p.feed('data: 0123456789');
    assert.throws(() => p.feed('abcdefghij'), SseLineTooLong);
  });
});
