/**
 * In-process cluster nodes wired exactly as src/server.ts wires them when `server.redisUrl` is
 * set: each node has its own RedisBroker and its own coordination engine from `createCoordination`
 * (the same call the server makes), and its dialect gets that engine's ports; all on one real
 * redis-server.
 */
import { RedisBroker } from '../../src/brokers/redis.js';
import type { ClusterTuning } from '../../src/cluster/index.js';
import { createCoordination, type Coordination } from '../../src/coordination/index.js';
import type { CoordinationPorts } from '../../src/coordination/ports.js';
import type { Dialect } from '../../src/dialects/types.js';
import { silentLogger } from '../../src/log.js';
import { startDialect, type DialectHarness } from '../helpers/harness.js';

export const FAST_CLUSTER = { leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 400, commandTimeoutMs: 1_000, reconnectMaxDelayMs: 100 };

export interface WiredNode<D extends Dialect> {
  readonly h: DialectHarness<D>;
  readonly coordination: Coordination;
  close(): Promise<void>;
}

export async function startWiredNode<D extends Dialect>(
  redisUrl: string,
  create: (ports: CoordinationPorts) => (ctx: Parameters<Parameters<typeof startDialect<D>>[0]>[0]) => D,
  cluster: ClusterTuning = {},
): Promise<WiredNode<D>> {
  const coordination = await createCoordination({ redisUrl }, silentLogger, { ...FAST_CLUSTER, ...cluster });
  await coordination.ready();
  const broker = new RedisBroker({ url: redisUrl, commandTimeoutMs: 2_000, connectTimeoutMs: 1_000, reconnectMaxDelayMs: 200 });
  const h = await startDialect(create(coordination.ports), { broker });
  let closing: Promise<void> | null = null;
  return {
    h,
    coordination,
    close() {
      closing ??= (async () => {
        await h.close();
        await coordination.close();
      })();
      return closing;
    },
  };
}
