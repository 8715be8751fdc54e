/**
 * Lines of a byte stream as they arrive (`tail -f log | streamhub publish …` publishes each line at
 * once), with a bound on one line's length: readline has none, so one endless line would grow
 * the process's memory without limit.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { CliError, Exit } from './args.js';

export interface Line {
  /** 1-based. */
  readonly number: number;
  /** Without its `\n` (and without a `\r` before it). */
  readonly text: string;
}

/** Yields every line of `stream`, the last one even without a final newline; a line past `maxLineBytes` is a usage error. */
export async function* readLines(stream: Readable, maxLineBytes: number): AsyncGenerator<Line> {
  // StringDecoder keeps a multi-byte character split across chunks whole.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let number = 0;
  const tooLong = (n: number) => new CliError(`line ${n} of standard input is longer than ${maxLineBytes} bytes (streamhub.maxFrameBytes: the server would refuse it)`, Exit.usage);
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', start)) {
      number += 1;
      const text = pending.slice(start, newline).replace(/\r$/, '');
      if (Buffer.byteLength(text) > maxLineBytes) throw tooLong(number);
      yield { number, text };
      start = newline + 1;
    }
    pending = pending.slice(start);
    // Characters count at most 4 bytes each: checking the length first keeps this cheap per chunk.
    if (pending.length > maxLineBytes || (pending.length * 4 > maxLineBytes && Buffer.byteLength(pending) > maxLineBytes)) throw tooLong(number + 1);
  }
  pending += decoder.end();
  if (pending.length > 0) {
    number += 1;
    if (Buffer.byteLength(pending) > maxLineBytes) throw tooLong(number);
    yield { number, text: pending.replace(/\r$/, '') };
  }
}
