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
  return {
    // seed 000: "Total cap: 5000 concurrent subscribers per origin": counted across nodes.
    match: { limiter: cluster.limiter('match', config.match.perIpMax, config.match.totalMax) },
    relay: { registry: cluster.relayRegistry },
    elstat: { proberLeader: () => cluster.proberLeadership.isLeader() },
    nova: cluster.viewerCounts,
  };
}
