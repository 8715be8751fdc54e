/**
 * A stand-in node for the crash test: it takes every kind of cluster state through the ports, as
 * the dialects ask for them (a relay publisher claim, the prober lease, a match cap slot, nova
 * viewers), prints `ready`, and waits to be SIGKILLed.
 * Usage: node --import tsx test/scaleout/cluster-child.ts <redisUrl>
 */
import { createClusterCoordination } from '../../src/cluster/index.js';
import { PROBER_LEASE } from '../../src/dialects/elstat/index.js';
import { CAPS_LIMITER } from '../../src/dialects/match/index.js';
import { VIEWER_COUNTS_TABLE } from '../../src/dialects/nova/viewer-counts.js';
import { PUBLISHER_CLAIMS, publisherRegistry } from '../../src/dialects/relay/publisher-registry.js';
import { silentLogger } from '../../src/log.js';

const { ports, ready } = createClusterCoordination({ url: process.argv[2]!, leaseTtlMs: 600, syncIntervalMs: 100, nodeTtlMs: 400 }, silentLogger);
await ready();
const lease = await publisherRegistry(ports.claims(PUBLISHER_CLAIMS)).reserve('relay:crash', { publishId: 'child', keyDigest: 'd' });
const caps = ports.limiter(CAPS_LIMITER, { perIpMax: 10, totalMax: 10 });
caps.tryAcquire('10.0.0.1');
ports.counters(VIEWER_COUNTS_TABLE).adjust('stream-1', 5);
const prober = ports.lease(PROBER_LEASE);
while (!prober.held()) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(`ready ${lease ? 'lease' : 'nolease'} ${caps.total}\n`);
setInterval(() => undefined, 1_000);
