/**
 * The text/event-stream parser of the WHATWG HTML standard, §9.2.6 "Interpreting an event stream",
 * fed with decoded text chunks as they arrive (a line may be split across chunks). Used by the
 * fetch-based SSE transport, which can send headers (Authorization, Last-Event-ID) that a browser's
 * EventSource cannot, and which Node 20 (no EventSource) needs anyway.
 */
export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  readonly type: string;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
  /** The last event id seen so far in the stream (it persists across events, §9.2.6). */
  readonly lastEventId: string;
}

export interface SseParserOptions {
  /** Longest line kept, in characters (default 1 MiB); a longer one is an error, never buffered without bound. */
  readonly maxLineLength?: number;
  /** Called for a `retry:` field with a valid integer. */
  readonly onRetry?: (ms: number) => void;
  /** Called for a comment line (`: ...`), e.g. a server heartbeat. */
  readonly onComment?: (text: string) => void;
}

export const DEFAULT_SSE_MAX_LINE = 1 << 20;

export class SseLineTooLong extends Error {
  readonly code = 'sse_line_too_long';
}

/** Push text in with `feed`; complete events come out through `onEvent`. */
export class SseParser {
  readonly #onEvent: (event: SseEvent) => void;
  readonly #options: SseParserOptions;
  readonly #maxLine: number;
  #pending = '';
  #sawCr = false;
  #firstChunk = true;
  #data: string[] = [];
  #type = '';
  #lastEventId = '';

  constructor(onEvent: (event: SseEvent) => void, options: SseParserOptions = {}) {
    this.#onEvent = onEvent;
    this.#options = options;
    this.#maxLine = options.maxLineLength ?? DEFAULT_SSE_MAX_LINE;
  }

  /** The id a reconnect sends as `Last-Event-ID`. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  feed(chunk: string): void {
    if (this.#firstChunk && chunk.length > 0) {
      this.#firstChunk = false;
      // §9.2.6: one leading U+FEFF BYTE ORDER MARK is ignored.
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      // A CRLF pair split across chunks: the LF ends nothing (the CR already ended the line).
      if (c === 0x0a && this.#sawCr && i === start && this.#pending === '') {
        this.#sawCr = false;
        start = i + 1;
        continue;
      }
      const line = this.#pending + chunk.slice(start, i);
      this.#pending = '';
      this.#line(line);
      // CR at the very end of a chunk: its LF, if any, opens the next chunk.
      this.#sawCr = c === 0x0d && i === chunk.length - 1;
      if (c === 0x0d && chunk.charCodeAt(i + 1) === 0x0a) i++;
      start = i + 1;
    }
    if (start < chunk.length) {
      this.#sawCr = false;
      this.#pending += chunk.slice(start);
      if (this.#pending.length > this.#maxLine) {
        this.#pending = '';
        throw new SseLineTooLong(`event-stream line over ${this.#maxLine} characters`);
      }
    }
  }

  /** §9.2.6: at end of stream an incomplete event is discarded. */
  end(): void {
    this.#pending = '';
    this.#data = [];
    this.#type = '';
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.charCodeAt(0) === 0x3a /* ':' */) {
      this.#options.onComment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        // §9.2.6: an id containing U+0000 NULL is ignored.
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#options.onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const type = this.#type;
    this.#data = [];
    this.#type = '';
    // §9.2.6: an event with an empty data buffer is not dispatched.
    if (data.length === 0) return;
    this.#onEvent({ type: type || 'message', data: data.join('\n'), lastEventId: this.#lastEventId });
  }
}
