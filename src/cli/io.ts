/** Where CLI commands write: what `subscribe` prints, and the binary streams of streaming commands. */
import type { Readable, Writable } from 'node:stream';

/** `streamhub subscribe` output: one line per message, raw bytes (`--raw`), notes on standard error. */
export interface SubscribeOutput {
  line(text: string): void;
  raw(bytes: Buffer): void;
  note(text: string): void;
}

/** Binary standard input and output plus text lines, for commands that stream (a relay publish or receive). */
export interface CliStreams {
  readonly stdin: Readable;
  readonly stdout: Writable;
  line(text: string): void;
  note(text: string): void;
}
