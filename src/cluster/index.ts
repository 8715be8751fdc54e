/**
 * Redis-backed coordination for a cluster of StreamHub nodes (issue #7, issue 16 item 2,
 * DESIGN.md § Scale-out): the `CoordinationPorts` on one ioredis connection of its own, apart
 * from the broker's (plus one Pub/Sub connection once a member table is watched). A limiter by
 * name, a lease by role, a claim table, a counter table and a member table by name; the names are the dialects' own and this folder knows none of them. Keys: see
 * docs/cluster.md "Coordination keys". src/coordination/index.ts picks this engine when
 * `server.redisUrl` is set.
 */
import { sameCaps } from '../coordination/caps-request.js';
import type { CapsRequest, Coordination, CoordinationPorts } from '../coordination/ports.js';
import type { Logger } from '../core/index.js';
import { RedisClaimTable } from './claim-table.js';
import { ClusterConnectionLimiter } from './connection-caps.js';
import { RedisCounterTable } from './counter-table.js';
import { RedisLeadership } from './leadership.js';
import { RedisMemberTable } from './member-table.js';
import { NodeTable } from './node-table.js';
import { clusterSettings, createRedisClient, type ClusterOptions, type ClusterSettings } from './redis-client.js';

export { CLUSTER_DEFAULTS, type ClusterOptions, type ClusterTuning } from './redis-client.js';
export { ClusterConnectionLimiter, NodeTable, RedisClaimTable, RedisCounterTable, RedisLeadership, RedisMemberTable };

/** The Redis engine: the ports, plus what tests and the operator may read about this node. */
export interface ClusterCoordination extends Coordination {
  readonly nodeId: string;
  /** The settings in force, without the URL (it may carry a password). */
  readonly settings: Omit<ClusterSettings, 'url'>;
}

export function createClusterCoordination(options: ClusterOptions, log: Logger): ClusterCoordination {
  const settings = clusterSettings(options);
  const redis = createRedisClient(settings, log);
  const { keyPrefix, nodeId, leaseTtlMs, syncIntervalMs, nodeTtlMs } = settings;
  let closed = false;
  const ready = (): Promise<void> =>
    redis.status === 'ready' ? Promise.resolve() : new Promise((done) => redis.once('ready', () => done()));
  // Issue 15 item 6: a service starts when a dialect first asks for it (so a disabled dialect's
  // table or lease never runs) and only once the connection is ready (a command sent before would
  // fail at once: "Stream isn't writeable and enableOfflineQueue options is false").
  const whenReady = (start: () => void) => void ready().then(() => closed || start());
  const tables: NodeTable[] = [];
  const table = (name: string) => {
    const t = new NodeTable(redis, { keyPrefix, table: name, nodeId, syncIntervalMs, nodeTtlMs, log });
    tables.push(t);
    whenReady(() => t.start());
    return t;
  };
  const limiters = new Map<string, { slots: ClusterConnectionLimiter; caps: CapsRequest }>();
  const leases = new Map<string, RedisLeadership>();
  const claimTables = new Map<string, RedisClaimTable>();
  const counterTables = new Map<string, RedisCounterTable>();
  const memberTables = new Map<string, RedisMemberTable>();
  const ports: CoordinationPorts = {
    limiter(name, caps) {
      const known = limiters.get(name);
      if (known) return sameCaps(name, known.caps, caps), known.slots;
      // Keys `<prefix>caps:<name>:…`, as before the ports (docs/cluster.md): nothing to migrate.
      const slots = new ClusterConnectionLimiter(table(`caps:${name}`), caps);
      limiters.set(name, { slots, caps });
      return slots;
    },
    lease(role) {
      let lease = leases.get(role);
      if (!lease) {
        const competing = new RedisLeadership(redis, { keyPrefix, role, nodeId, leaseTtlMs, log });
        whenReady(() => competing.start());
        leases.set(role, (lease = competing));
      }
      return lease;
    },
    claims(name) {
      let claims = claimTables.get(name);
      if (!claims) claimTables.set(name, (claims = new RedisClaimTable(redis, { keyPrefix, name, leaseTtlMs })));
      return claims;
    },
    counters(name) {
      let counters = counterTables.get(name);
      if (!counters) counterTables.set(name, (counters = new RedisCounterTable(table(name))));
      return counters;
    },
    members(name) {
      let members = memberTables.get(name);
      if (!members) memberTables.set(name, (members = new RedisMemberTable(redis, table(name), { nodeId, syncIntervalMs, log })));
      return members;
    },
  };
  let closing: Promise<void> | null = null;
  const { url: _url, ...visible } = settings; // the URL may carry a password: never exposed
  return {
    nodeId,
    settings: visible,
    ports,
    ready,
    health() {
      if (closed) return { ok: false, detail: 'cluster coordination closed' };
      const ok = redis.status === 'ready';
      return { ok, detail: ok ? `cluster node ${nodeId}` : `cluster redis ${redis.status}` };
    },
    close() {
      closing ??= (async () => {
        closed = true;
        await Promise.all([
          ...[...claimTables.values()].map((c) => c.close()),
          ...[...memberTables.values()].map((m) => m.close()),
          ...[...leases.values()].map((l) => l.stop()),
          ...tables.map((t) => t.stop()),
        ]);
        redis.disconnect();
      })();
      return closing;
    },
  };
}
