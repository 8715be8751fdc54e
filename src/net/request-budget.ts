/**
 * Flow control of an HTTP publish API (issue 15 item 2: `POST /api/publish`, the nova control
 * API): one budget per node of requests being published (bytes and count). A request that finds
 * the budget full waits, in arrival order, before its body is read (so its bytes stay in the
 * kernel and TCP slows its sender), at most `maxWaitMs`; past that wait, or when `maxWaiting`
 * requests already wait, it is refused with 503 and `Retry-After` [RFC 9110 §10.2.3, §15.6.4]
 * instead of piling up in memory.
 */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../core/index.js';

export interface RequestBudgetSettings {
  /** Most bytes (declared body sizes) of requests being published at once on this node. */
  readonly maxBytes: number;
  /** Most requests being published at once on this node. */
  readonly maxCount: number;
  /** Most requests waiting for room; past it a request is refused at once. */
  readonly maxWaiting: number;
  /** Longest wait for room before a 503. */
  readonly maxWaitMs: number;
}

/** Held while one request is published; `release()` is idempotent. */
export interface RequestPermit {
  release(): void;
}

interface Waiter {
  readonly bytes: number;
  readonly grant: (permit: RequestPermit) => void;
  timer: unknown;
}

export class RequestBudget {
  readonly #s: RequestBudgetSettings;
  readonly #clock: Clock;
  readonly #waiting: Waiter[] = [];
  #bytes = 0;
  #count = 0;

  constructor(settings: RequestBudgetSettings, clock: Clock) {
    this.#s = settings;
    this.#clock = clock;
  }

  get inflightCount(): number {
    return this.#count;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Seconds a refused client should wait: the whole wait, at least 1 s. */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#s.maxWaitMs / 1000));
  }

  /**
   * A permit for a request of `bytes` (its declared size; a single request larger than the whole
   * budget is admitted alone), or null when it could not get one in time.
   */
  acquire(bytes: number, cancel?: AbortSignal): Promise<RequestPermit | null> {
    if (this.#waiting.length === 0 && this.#fits(bytes)) return Promise.resolve(this.#take(bytes));
    if (this.#waiting.length >= this.#s.maxWaiting || cancel?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = { bytes, grant: resolve, timer: null };
      const giveUp = (): void => {
        const at = this.#waiting.indexOf(waiter);
        if (at < 0) return; // already granted
        this.#waiting.splice(at, 1);
        this.#clock.clearTimeout(waiter.timer);
        resolve(null);
      };
      waiter.timer = this.#clock.setTimeout(giveUp, this.#s.maxWaitMs);
      // A client that went away while waiting frees its place at once, not after maxWaitMs.
      cancel?.addEventListener('abort', giveUp, { once: true });
      this.#waiting.push(waiter);
    });
  }

  /**
   * `acquire` for an HTTP request: its declared body size (at most `maxBodyBytes`; unknown counts
   * as `maxBodyBytes`), given up when the client closes the connection while it waits.
   */
  acquireRequest(req: IncomingMessage, maxBodyBytes: number): Promise<RequestPermit | null> {
    const declared = Number(req.headers['content-length']);
    const bytes = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    req.once('close', onClose);
    return this.acquire(bytes, gone.signal).finally(() => req.off('close', onClose));
  }

  #fits(bytes: number): boolean {
    if (this.#count === 0) return true;
    return this.#count < this.#s.maxCount && this.#bytes + bytes <= this.#s.maxBytes;
  }

  #take(bytes: number): RequestPermit {
    this.#bytes += bytes;
    this.#count += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#bytes -= bytes;
        this.#count -= 1;
        this.#admitWaiting();
      },
    };
  }

  /** First come, first served: a large request at the head is not overtaken by small ones. */
  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const waiter = this.#waiting.shift()!;
      this.#clock.clearTimeout(waiter.timer);
      waiter.grant(this.#take(waiter.bytes));
    }
  }
}
