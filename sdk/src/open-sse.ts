/**
 * Opens the read-only SSE stream for a list of channels (PROTOCOL.md §16): with `fetch` (token in
 * `Authorization`, so it stays out of URLs and logs) unless the application gave an EventSource,
 * which can only carry the token in the query string.
 */
import type { ClientOptions } from './client-options.js';
import { sseUrl } from './endpoints.js';
import type { StreamPosition } from './position.js';
import { SSE_EVENT_TYPES } from './protocol.js';
import { openEventSourceTransport, openFetchSseTransport, type FetchLike } from './sse-transport.js';
import type { Transport, TransportHandlers } from './transport.js';

export function openSse(
  baseUrl: string,
  channels: ReadonlyArray<{ channel: string; since?: StreamPosition }>,
  token: string | undefined,
  options: ClientOptions,
  handlers: TransportHandlers,
): Transport {
  const fetchFn = options.fetch ?? defaultFetch();
  if (options.EventSource || !fetchFn) {
    if (!options.EventSource) throw new TypeError('StreamHubClient: SSE needs fetch or an EventSource');
    return openEventSourceTransport(options.EventSource, { url: sseUrl(baseUrl, channels, token), headers: {}, eventTypes: SSE_EVENT_TYPES }, handlers);
  }
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  return openFetchSseTransport(fetchFn, { url: sseUrl(baseUrl, channels), headers, eventTypes: SSE_EVENT_TYPES, maxLineLength: options.maxSseLineLength }, handlers);
}

/** Whether this host can read SSE at all with these options. */
export function canOpenSse(options: ClientOptions): boolean {
  return options.EventSource !== undefined || (options.fetch ?? defaultFetch()) !== undefined;
}

function defaultFetch(): FetchLike | undefined {
  return (globalThis as { fetch?: FetchLike }).fetch;
}
