/**
 * A streamhub node in its own process, for the crash test of presence-cluster.test.ts: the dialect
 * with Redis coordination (short cluster timings), prints `port <n>` and waits to be SIGKILLed.
 * Usage: node --import tsx test/streamhub/presence-node-child.ts <redisUrl> <keyPrefix> <nodeId>
 */
import { createClusterCoordination } from '../../src/cluster/index.js';
import { streamhubSchema } from '../../src/dialects/streamhub/config.js';
import { createStreamhubDialect } from '../../src/dialects/streamhub/index.js';
import { silentLogger } from '../../src/log.js';
import { startDialect } from '../helpers/harness.js';
import { PRESENCE_CLUSTER_TIMINGS } from './presence-timings.js';
import { SECRET } from './setup.js';

const [url, keyPrefix, nodeId] = process.argv.slice(2) as [string, string, string];
const engine = createClusterCoordination({ url, keyPrefix, nodeId, ...PRESENCE_CLUSTER_TIMINGS }, silentLogger);
await engine.ready();
const settings = streamhubSchema.parse({ port: 0, auth: { hmacSecret: SECRET } });
const h = await startDialect((ctx) => createStreamhubDialect(ctx, settings, engine.ports));
process.stdout.write(`port ${h.port()}\n`);
setInterval(() => undefined, 1_000);
