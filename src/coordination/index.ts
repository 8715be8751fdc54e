/**
 * Picks a node's coordination engine (issue 16 item 2, DESIGN.md § Scale-out): in process for one
 * node, Redis (src/cluster/) when `server.redisUrl` (or a shard list) is set, the primary process
 * for the workers of embedded multi-core mode (ipc/). Chosen apart from the broker
 * (src/brokers/index.ts): neither module knows the other, so a sharded Redis or a Redis Cluster
 * slots in behind `CoordinationPorts` without touching a dialect.
 */
import type { Logger } from '../core/index.js';
import type { ClusterTuning } from '../cluster/redis-client.js';
import { localEngine } from './local.js';
import type { IpcEndpoint } from '../util/ipc-endpoint.js';
import type { Coordination } from './ports.js';

export { localCoordination, LocalClaimTable, LocalCounterTable } from './local.js';
export { LocalMemberTable } from './local-members.js';
export type * from './ports.js';

/** The server settings coordination reads (a subset of `config.server`, so `createCoordination(config.server, …)` works). */
export interface CoordinationSettings {
  /** `server.redisUrl` (`STREAMHUB_REDIS_URL`): null keeps everything on this node. Never logged. */
  readonly redisUrl: string | null;
  /** `server.redisShardUrls`: with no `redisUrl`, coordination uses the first shard. */
  readonly redisShardUrls?: readonly string[];
  /**
   * Embedded multi-core mode (workers without Redis): this worker coordinates with the others
   * through the primary process (ipc/). Ignored when a Redis is configured.
   */
  readonly primaryProcess?: boolean;
  /** Embedded multi-core mode: a claim or member list unanswered this long fails (`server.embeddedBroker.callTimeoutMs`). */
  readonly primaryCallTimeoutMs?: number;
}

/**
 * The engine for these settings. The Redis engine is loaded only when asked for and connects in
 * the background (a Redis down at boot is retried like any fault); `ready()` waits for it.
 * `tuning` overrides the cluster timings (docs/cluster.md "Settings"; tests shorten them).
 */
export async function createCoordination(settings: CoordinationSettings, log: Logger, tuning: ClusterTuning = {}): Promise<Coordination> {
  const url = settings.redisUrl ?? settings.redisShardUrls?.[0] ?? null;
  if (url) {
    const { createClusterCoordination } = await import('../cluster/index.js');
    return createClusterCoordination({ ...tuning, url }, log);
  }
  if (settings.primaryProcess) {
    const { ipcCoordination } = await import('./ipc/client.js');
    return ipcCoordination(process as IpcEndpoint, {
      connected: () => process.connected === true,
      ...(settings.primaryCallTimeoutMs ? { callTimeoutMs: settings.primaryCallTimeoutMs } : {}),
    });
  }
  return localEngine();
}
