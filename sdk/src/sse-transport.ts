/**
 * The Server-Sent Events transport: read-only (subscribe only). Two ways to read the stream:
 * - `fetch` (the default where it exists: browsers, Node ≥ 18): can send headers, so the token goes
 *   in `Authorization` and the resume point in `Last-Event-ID`; parsed by SseParser;
 * - an `EventSource` constructor (the browser's, or a polyfill): cannot send headers, so token and
 *   resume point go in the query string, as PROTOCOL.md allows.
 * Either way the browser's own EventSource retry is not used: the client reconnects with its backoff.
 */
import { SseParser } from './sse-parser.js';
import type { Transport, TransportHandlers } from './transport.js';

/** The part of a fetch Response the transport reads. */
export interface FetchResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> } } | null;
}

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<FetchResponseLike>;

/** The part of the WHATWG EventSource interface the SDK uses. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  addEventListener(type: string, listener: (event: { data: string; lastEventId: string }) => void): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;

export interface SseRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** SSE event types to listen for with an EventSource (fetch reads every type). */
  readonly eventTypes: readonly string[];
  /** Longest SSE line accepted, characters (fetch mode). */
  readonly maxLineLength?: number;
}

/** 1006: closed abnormally [RFC 6455 §7.4.1]; used for a stream that ended or failed. */
const ABNORMAL = 1006;

export function openFetchSseTransport(fetchFn: FetchLike, request: SseRequest, handlers: TransportHandlers): Transport {
  const abort = new AbortController();
  let opened = false;
  let ended = false;
  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    abort.abort();
    handlers.onClose({ code, reason, opened });
  };
  const parser = new SseParser((e) => !ended && handlers.onFrame({ text: e.data, sseEvent: e.type, sseId: e.lastEventId }), {
    maxLineLength: request.maxLineLength,
    // §16: `: hb` every streamhub.sse.heartbeatMs keeps an idle stream provably alive.
    onComment: () => !ended && handlers.onActivity?.(),
  });
  void (async () => {
    try {
      const res = await fetchFn(request.url, { headers: { Accept: 'text/event-stream', ...request.headers }, signal: abort.signal });
      if (!res.ok || !res.body) return end(ABNORMAL, `http ${res.status}`);
      opened = true;
      handlers.onOpen();
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || ended) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
      parser.end();
      end(ABNORMAL, 'event stream ended');
    } catch (err) {
      end(ABNORMAL, err instanceof Error ? err.message : String(err));
    }
  })();
  return {
    kind: 'sse',
    canSend: false,
    send() {
      throw new Error('the SSE transport is read-only');
    },
    close(code = 1000, reason = '') {
      end(code, reason);
    },
  };
}

export function openEventSourceTransport(Ctor: EventSourceConstructor, request: SseRequest, handlers: TransportHandlers): Transport {
  const source = new Ctor(request.url);
  let opened = false;
  let ended = false;
  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    source.onopen = source.onerror = null;
    source.close();
    handlers.onClose({ code, reason, opened });
  };
  source.onopen = () => {
    opened = true;
    handlers.onOpen();
  };
  // EventSource would retry by itself with Last-Event-ID; the client's backoff and resume point decide instead.
  source.onerror = () => end(ABNORMAL, 'event source error');
  for (const type of request.eventTypes) {
    source.addEventListener(type, (e) => !ended && handlers.onFrame({ text: e.data, sseEvent: type, sseId: e.lastEventId }));
  }
  return {
    kind: 'sse',
    canSend: false,
    send() {
      throw new Error('the SSE transport is read-only');
    },
    close(code = 1000, reason = '') {
      end(code, reason);
    },
  };
}
