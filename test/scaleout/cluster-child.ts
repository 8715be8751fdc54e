/**
 * A stand-in node for the crash test: it takes every kind of cluster state (a relay publisher
 * lease, the prober lease, a cap slot, viewers), prints `ready`, and waits to be SIGKILLed.
 * Usage: node --import tsx test/scaleout/cluster-child.ts <redisUrl>
 */
import { createClusterServices } from '../../src/cluster/index.js';
import { silentLogger } from '../../src/log.js';

const services = createClusterServices({ url: process.argv[2]!, leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 400 }, silentLogger);
await services.ready();
const lease = await services.relayRegistry.reserve('relay:crash', { publishId: 'child', keyDigest: 'd' });
const caps = services.limiter('match', 10, 10);
caps.tryAcquire('10.0.0.1');
services.viewerCounts.adjust('stream-1', 5);
while (!services.proberLeadership.isLeader()) await new Promise((r) => setTimeout(r, 20));
const table = (caps as unknown as { total: number }).total;
process.stdout.write(`ready ${lease ? 'lease' : 'nolease'} ${table}\n`);
setInterval(() => undefined, 1_000);
