/**
 * The original's ingest mode (notes §1.3): the server is a WebSocket client of each producer URL
 * (`STREAM_PRODUCER_URLS`) and ingests what it sends, reconnecting with backoff from 500 ms to
 * 8 s plus 25 % jitter.
 */
import WebSocket from 'ws';
import type { Clock, Logger } from '../../core/index.js';

export interface BackoffSettings {
  readonly minMs: number;
  readonly maxMs: number;
  /** Each delay is stretched by up to this fraction at random. */
  readonly jitter: number;
}

/** Delay before reconnect attempt `attempt` (0-based): min·2^attempt capped at max, then + jitter. */
export function backoffDelay(attempt: number, s: BackoffSettings, random: () => number = Math.random): number {
  const base = Math.min(s.maxMs, s.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 + s.jitter * random()));
}

export interface ProducerClientOptions {
  readonly url: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly backoff: BackoffSettings;
  readonly maxFrameBytes: number;
  readonly handshakeTimeoutMs: number;
  /** Hands a fresh socket to the ingest handling (called for every connection attempt). */
  readonly adopt: (ws: WebSocket) => void;
  readonly random?: () => number;
}

/** The URL without credentials or query (a token may sit there), for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable url)';
  }
}

/** One dial-out producer link; `connected` feeds /healthz `producers_up`. */
export class ProducerClient {
  readonly url: string;
  /** `url` without credentials or query, safe to log and to show in status. */
  readonly label: string;
  readonly #o: ProducerClientOptions;
  #ws: WebSocket | null = null;
  #attempt = 0;
  #timer: unknown = null;
  #closed = false;
  #connected = false;
  /** Successful connections so far (for stats and tests). */
  connections = 0;

  constructor(options: ProducerClientOptions) {
    this.#o = options;
    this.url = options.url;
    this.label = redactUrl(options.url);
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    if (!this.#closed && this.#ws === null && this.#timer === null) this.#connect();
  }

  /** Stops reconnecting and closes the link. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    const ws = this.#ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.close(1001, 'server shutting down');
    else ws?.terminate();
  }

  #connect(): void {
    const ws = new WebSocket(this.url, {
      maxPayload: this.#o.maxFrameBytes,
      perMessageDeflate: false,
      handshakeTimeout: this.#o.handshakeTimeoutMs,
    });
    this.#ws = ws;
    ws.on('error', (err) => this.#o.log.debug({ url: this.label, err: err.message }, 'match producer link error'));
    ws.once('open', () => {
      this.#attempt = 0;
      this.#connected = true;
      this.connections += 1;
      this.#o.log.info({ url: this.label }, 'match producer connected');
    });
    ws.once('close', () => {
      this.#connected = false;
      this.#ws = null;
      if (this.#closed) return;
      const delay = backoffDelay(this.#attempt, this.#o.backoff, this.#o.random);
      this.#attempt += 1;
      this.#timer = this.#o.clock.setTimeout(() => {
        this.#timer = null;
        if (!this.#closed) this.#connect();
      }, delay);
    });
    this.#o.adopt(ws);
  }
}

/** One ProducerClient per configured URL, sharing everything but the URL. */
export function createProducerClients(urls: readonly string[], shared: Omit<ProducerClientOptions, 'url'>): ProducerClient[] {
  return urls.map((url) => new ProducerClient({ ...shared, url }));
}
