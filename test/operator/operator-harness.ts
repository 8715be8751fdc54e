/**
 * The operator listener wired the way server.ts wires it (real Hub, real MemoryBroker, real
 * metrics observer), with a small in-process dialect whose "connections" are real hub
 * subscribers. Used where a whole StreamHub is not needed (or not yet buildable).
 */
import { createOperatorListener, type OperatorOptions } from '../../src/admin/operator.js';
import { MemoryBroker } from '../../src/brokers/memory.js';
import { Hub, type CloseReason, type Message, type QueueLimits, type Subscriber } from '../../src/core/index.js';
import type { Dialect, DialectStats, ListenerSettings } from '../../src/dialects/types.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';

export const QUEUE: QueueLimits = {
  maxMessages: 100,
  maxBytes: 1 << 20,
  overflow: 'drop-oldest',
  overflowClose: { code: 4008, reason: 'slow' },
  stallTimeoutMs: 0,
  stallClose: { code: 4008, reason: 'slow' },
  maxPendingDuringReplay: 100,
};

export const RETENTION = { maxMessages: 100, maxBytes: 1 << 20, maxAgeMs: 0, maxPinned: 10, idleTtlMs: 0 };

/** A dialect with no listener: `connect(channel)` attaches a recording sink to the hub. */
export class InProcessDialect implements Dialect {
  readonly name: string;
  readonly #hub: Hub;
  readonly #subs = new Set<Subscriber>();
  readonly received: Message[] = [];
  #next = 0;
  constructor(name: string, hub: Hub) {
    this.name = name;
    this.#hub = hub;
  }
  async connect(channel: string): Promise<Subscriber> {
    const received = this.received;
    const subs = this.#subs;
    const sub: Subscriber = this.#hub.attach(
      {
        id: `${this.name}-${++this.#next}`,
        dialect: this.name,
        deliver(batch) {
          received.push(...batch);
          return true;
        },
        close(_reason: CloseReason) {
          subs.delete(sub);
        },
      },
      QUEUE,
    );
    this.#subs.add(sub);
    await sub.subscribe(channel);
    return sub;
  }
  async listen() {
    return [];
  }
  stats(): DialectStats {
    return { connections: this.#subs.size, producers: [{ id: 'p1', up: true }], apiToken: 'must-not-leak', closes: { '1013': 2 } };
  }
  async close(reason: CloseReason) {
    for (const sub of [...this.#subs]) sub.detach(reason);
  }
}

export interface OperatorHarness {
  readonly hub: Hub;
  readonly broker: MemoryBroker;
  readonly metrics: Metrics;
  readonly dialects: InProcessDialect[];
  readonly base: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startOperator(
  overrides: Partial<OperatorOptions> = {},
  options: { dialectNames?: string[]; settings?: Partial<ListenerSettings>; scheme?: 'http' | 'https' } = {},
): Promise<OperatorHarness> {
  const broker = new MemoryBroker();
  const metrics = createMetrics();
  const hub = new Hub({ broker, observer: metrics.observer });
  await hub.start();
  const dialects = (options.dialectNames ?? ['match', 'nova']).map((n) => new InProcessDialect(n, hub));
  metrics.bind({
    hubStats: () => hub.stats(),
    connections: () => Object.fromEntries(dialects.map((d) => [d.name, d.stats().connections])),
    dialectCloses: () => Object.fromEntries(dialects.map((d) => [d.name, d.stats().closes as Record<string, number>])),
  });
  const listener = createOperatorListener({
    port: 0,
    adminToken: null,
    settings: { host: '127.0.0.1', handshakeTimeoutMs: 2_000, trustedProxies: [], tls: null, ...options.settings },
    hub,
    dialects,
    metrics,
    log: silentLogger,
    startedAt: Date.now(),
    ...overrides,
  });
  const { port } = await listener.listen();
  return {
    hub,
    broker,
    metrics,
    dialects,
    port,
    base: `${options.scheme ?? 'http'}://127.0.0.1:${port}`,
    async close() {
      await listener.close(200);
      for (const d of dialects) await d.close({ code: 1001, reason: 'test over' });
      await hub.close({ code: 1001, reason: 'test over' });
      metrics.close();
    },
  };
}

/** A response body as JSON, loosely typed for assertions. */
export async function json(res: Response): Promise<any> {
  return res.json();
}
