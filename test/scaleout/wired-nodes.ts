/**
 * In-process cluster nodes wired exactly as src/server.ts wires them when `server.redisUrl` is
 * set (the report of issue #7 gives that code): each node has its own RedisBroker and its own
 * `createClusterServices`, all on one real redis-server.
 */
import { RedisBroker } from '../../src/brokers/redis.js';
import { createClusterServices, type ClusterOptions, type ClusterServices } from '../../src/cluster/index.js';
import type { Dialect } from '../../src/dialects/types.js';
import { silentLogger } from '../../src/log.js';
import { startDialect, type DialectHarness } from '../helpers/harness.js';

export const FAST_CLUSTER = { leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 400, commandTimeoutMs: 1_000, reconnectMaxDelayMs: 100 };

export interface WiredNode<D extends Dialect> {
  readonly h: DialectHarness<D>;
  readonly services: ClusterServices;
  close(): Promise<void>;
}

export async function startWiredNode<D extends Dialect>(
  redisUrl: string,
  create: (h: { services: ClusterServices }) => (ctx: Parameters<Parameters<typeof startDialect<D>>[0]>[0]) => D,
  cluster: Partial<ClusterOptions> = {},
): Promise<WiredNode<D>> {
  const services = createClusterServices({ url: redisUrl, ...FAST_CLUSTER, ...cluster }, silentLogger);
  await services.ready();
  const broker = new RedisBroker({ url: redisUrl, commandTimeoutMs: 2_000, connectTimeoutMs: 1_000, reconnectMaxDelayMs: 200 });
  const h = await startDialect(create({ services }), { broker });
  let closing: Promise<void> | null = null;
  return {
    h,
    services,
    close() {
      closing ??= (async () => {
        await h.close();
        await services.close();
      })();
      return closing;
    },
  };
}
