/**
 * What each dialect takes from the cluster (issue #7), in one place so the server's wiring stays
 * a few lines: `const deps = clusterDialectDeps(cluster, config)` then pass `deps.<dialect>` as
 * the dialect's last constructor argument.
 */
import type { Config } from '../config/index.js';
import type { ElstatDeps } from '../dialects/elstat/index.js';
import type { MatchDeps } from '../dialects/match/index.js';
import type { ViewerCountSource } from '../dialects/nova/viewer-counts.js';
import type { RelayDeps } from '../dialects/relay/index.js';
import type { ClusterServices } from './index.js';

export interface ClusterDialectDeps {
  readonly match: MatchDeps;
  readonly relay: RelayDeps;
  readonly elstat: ElstatDeps;
  /** nova's third argument: `createNovaDialect(ctx, options, deps.nova)`. */
  readonly nova: ViewerCountSource;
}

export function clusterDialectDeps(cluster: ClusterServices, config: Pick<Config, 'match'>): ClusterDialectDeps {
  // Getters: a dialect's cluster service (caps table, viewer table, prober lease) exists and runs
  // only once that dialect is created with it, so a disabled dialect costs nothing (issue 15 item 6).
  return {
    // seed 000: "Total cap: 5000 concurrent subscribers per origin": counted across nodes.
    get match() {
      return { limiter: cluster.limiter('match', config.match.perIpMax, config.match.totalMax) };
    },
    get relay() {
      return { registry: cluster.relayRegistry };
    },
    get elstat() {
      const leadership = cluster.proberLeadership;
      return { proberLeader: () => leadership.isLeader() };
    },
    get nova() {
      return cluster.viewerCounts;
    },
  };
}
