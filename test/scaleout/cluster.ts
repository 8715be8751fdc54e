/**
 * Scale-out test fixture: N hubs, each on its own RedisBroker, all on one real redis-server
 * (DESIGN.md § Scale-out), plus a recording sink and a publisher that retries through outages.
 */
import { RedisBroker, type RedisBrokerOptions } from '../../src/brokers/redis.js';
import { Hub, type CloseReason, type Message, type QueueLimits, type RetentionPolicy, type Sink } from '../../src/core/index.js';
import { eventually } from '../helpers/eventually.js';
import { startRedis, type RedisUnderTest } from '../helpers/redis-server.js';

export const RETAIN: RetentionPolicy = { maxMessages: 10_000, maxBytes: 1 << 24, maxAgeMs: 0, maxPinned: 10, idleTtlMs: 0 };
export const LIMITS: QueueLimits = {
  maxMessages: 100_000,
  maxBytes: 1 << 26,
  overflow: 'close',
  overflowClose: { code: 4008, reason: 'overflow' },
  stallTimeoutMs: 0,
  stallClose: { code: 4009, reason: 'stall' },
  maxPendingDuringReplay: 100_000,
};
export const bytes = (s: string) => new TextEncoder().encode(s);
export const text = (m: Message) => new TextDecoder().decode(m.payload);

/** Records every message a hub hands it, and lets a test wait on a condition without sleeping. */
export class RecordingSink implements Sink {
  readonly dialect = 'test';
  readonly got: Message[] = [];
  closedWith: CloseReason | null = null;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];
  constructor(readonly id: string) {}

  deliver(batch: readonly Message[]): boolean {
    this.got.push(...batch);
    for (const w of [...this.#waiters]) if (w.check()) w.resolve();
    return true;
  }

  close(reason: CloseReason): void {
    this.closedWith = reason;
  }

  until(check: (got: readonly Message[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (check(this.got)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id}: timed out waiting for ${what} (have ${this.got.length})`)), timeoutMs);
      const waiter = {
        check: () => check(this.got),
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          resolve();
        },
      };
      this.#waiters.push(waiter);
    });
  }

  count(n: number): Promise<void> {
    return this.until((got) => got.length >= n, `${n} messages`);
  }
}

export interface Node {
  readonly hub: Hub;
  readonly broker: RedisBroker;
}

export interface Cluster {
  readonly redis: RedisUnderTest;
  readonly nodes: Node[];
  close(): Promise<void>;
}

export async function startCluster(n: number, options: Partial<RedisBrokerOptions> = {}): Promise<Cluster> {
  const redis = await startRedis();
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++) {
    const broker = new RedisBroker({ url: redis.url, commandTimeoutMs: 2_000, connectTimeoutMs: 1_000, reconnectMaxDelayMs: 200, ...options });
    const hub = new Hub({ broker });
    await hub.start();
    nodes.push({ hub, broker });
  }
  return {
    redis,
    nodes,
    async close() {
      await Promise.all(nodes.map((node) => node.hub.close({ code: 1001, reason: 'test over' })));
      await redis.stop();
    },
  };
}

/** Ordered (epoch, offset) check: offsets rise by exactly one inside each epoch, starting where the first seen message starts. */
export function assertContiguous(messages: readonly Message[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < messages.length; i++) {
    const a = messages[i - 1]!;
    const b = messages[i]!;
    if (a.epoch === b.epoch && b.offset !== a.offset + 1) problems.push(`${a.epoch}: ${a.offset} then ${b.offset}`);
    if (a.epoch !== b.epoch && b.offset !== 1) problems.push(`new epoch ${b.epoch} starts at ${b.offset}`);
  }
  return problems;
}

/**
 * Publishes `payload` until the broker accepts it, waiting for the broker to report healthy
 * between attempts (a real publisher's retry). Returns the message and how many attempts failed.
 */
export async function publishWithRetry(node: Node, channel: string, payload: string): Promise<{ msg: Message; failures: number }> {
  let failures = 0;
  for (;;) {
    try {
      return { msg: await node.hub.publish(channel, bytes(payload), { retention: RETAIN }), failures };
    } catch {
      failures += 1;
      await eventually(() => node.broker.health().ok, 'the broker to reconnect', 20_000);
    }
  }
}
