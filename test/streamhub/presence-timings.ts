/** Cluster timings of the presence cluster tests (docs/cluster.md "Settings"), shortened so a dead node goes fast
 * (a node entry outlives thirty syncs: on a loaded machine a stalled node must not pass for a dead one,
 * whose members a survivor would announce as leaving). */
export const PRESENCE_CLUSTER_TIMINGS = { leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 3_000, commandTimeoutMs: 1_000, reconnectMaxDelayMs: 100 } as const;
