/**
 * A worker's broker in embedded multi-core mode (issue 19): every Broker call goes to the primary
 * process (host.ts) over the IPC channel, batched per event-loop turn; messages come back in the
 * order the primary's broker produced them. Positions, history and idempotency are the primary's,
 * so a client may reconnect to any worker and resume inside the window.
 */
import { ErrorCode, StreamHubError, systemClock, type Broker, type BrokerEvents, type BrokerHealth, type ChannelHistory, type Clock, type HistoryQuery, type Message, type Payload, type PublishOptions, type PublishedMessage } from '../../core/index.js';
import { IPC_TAG, isEventBatch, type Call, type CallBatch, type IpcEndpoint } from './protocol.js';

export interface IpcBrokerOptions {
  /** A call the primary has not answered within this long fails (ERR_BROKER). Default 10 s. */
  readonly callTimeoutMs?: number;
  readonly clock?: Clock;
  /** True while the channel to the primary is open (`process.connected` in a worker). */
  readonly connected?: () => boolean;
}

type CallInput = Call extends infer C ? (C extends Call ? Omit<C, 'id'> : never) : never;

interface Waiting {
  readonly resolve: (value: never) => void;
  readonly reject: (err: Error) => void;
  readonly at: number;
}

export class IpcBroker implements Broker {
  readonly name = 'ipc';
  readonly #endpoint: IpcEndpoint;
  readonly #clock: Clock;
  readonly #callTimeoutMs: number;
  readonly #connected: () => boolean;
  /** Unanswered calls in the order they were made (Map keeps insertion order: the oldest first). */
  readonly #waiting = new Map<number, Waiting>();
  #outbox: Call[] = [];
  #flushScheduled = false;
  #nextId = 1;
  #deliver: ((msg: Message) => void) | null = null;
  #timer: unknown = null;
  #closed = false;

  constructor(endpoint: IpcEndpoint, options: IpcBrokerOptions = {}) {
    this.#endpoint = endpoint;
    this.#clock = options.clock ?? systemClock;
    this.#callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.#connected = options.connected ?? (() => true);
  }

  async start(deliver: (msg: Message) => void, _events?: BrokerEvents): Promise<void> {
    // The primary's broker never loses data while the workers live: no dataLost events.
    this.#deliver = deliver;
    this.#endpoint.on('message', this.#onMessage);
    this.#armTimeouts();
  }

  publish(channel: string, payload: Payload, options: PublishOptions): Promise<PublishedMessage> {
    return this.#call({ op: 'publish', channel, payload, options });
  }

  history(channel: string, query?: HistoryQuery): Promise<ChannelHistory> {
    return this.#call({ op: 'history', channel, query });
  }

  async subscribe(channel: string): Promise<void> {
    await this.#call({ op: 'subscribe', channel });
  }

  async unsubscribe(channel: string): Promise<void> {
    if (this.#closed) return;
    await this.#call({ op: 'unsubscribe', channel });
  }

  health(): BrokerHealth {
    if (this.#closed) return { ok: false, detail: 'ipc broker closed' };
    const ok = this.#connected();
    return { ok, detail: ok ? 'primary process broker' : 'the channel to the primary process is closed' };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#endpoint.off('message', this.#onMessage);
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    const closed = new StreamHubError(ErrorCode.broker, 'broker closed');
    for (const waiting of this.#waiting.values()) waiting.reject(closed);
    this.#waiting.clear();
  }

  #call<T>(input: CallInput): Promise<T> {
    if (this.#closed) return Promise.reject(new StreamHubError(ErrorCode.broker, 'broker closed'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: never) => void, reject, at: this.#clock.now() });
      this.#outbox.push({ ...input, id } as Call);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#closed || this.#outbox.length === 0) return;
    const batch: CallBatch = { tag: IPC_TAG, calls: this.#outbox };
    this.#outbox = [];
    try {
      this.#endpoint.send(batch);
    } catch (err) {
      const failed = new StreamHubError(ErrorCode.broker, 'the channel to the primary process is closed', { cause: err });
      for (const call of batch.calls) this.#settle(call.id, (w) => w.reject(failed));
    }
  };

  readonly #onMessage = (message: unknown): void => {
    if (!isEventBatch(message)) return;
    for (const event of message.events) {
      if (event.k === 'msg') this.#deliver?.(event.msg);
      else if (event.k === 'ok') this.#settle(event.id, (w) => w.resolve(event.value as never));
      else this.#settle(event.id, (w) => w.reject(new StreamHubError(event.code as ErrorCode, event.message)));
    }
  };

  #settle(id: number, fn: (waiting: Waiting) => void): void {
    const waiting = this.#waiting.get(id);
    if (!waiting) return; // timed out already
    this.#waiting.delete(id);
    fn(waiting);
  }

  #armTimeouts(): void {
    this.#timer = this.#clock.setTimeout(() => {
      const deadline = this.#clock.now() - this.#callTimeoutMs;
      for (const [id, waiting] of this.#waiting) {
        if (waiting.at > deadline) break; // the rest are newer
        this.#waiting.delete(id);
        waiting.reject(new StreamHubError(ErrorCode.broker, `the primary process did not answer within ${this.#callTimeoutMs} ms`));
      }
      if (!this.#closed) this.#armTimeouts();
    }, Math.max(50, Math.floor(this.#callTimeoutMs / 4)));
  }
}
