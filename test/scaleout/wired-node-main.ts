/**
 * One cluster node as a real process, wired as src/server.ts wires a node when `server.redisUrl`
 * is set (RedisBroker + createCoordination, the dialect on its ports), for the tests that SIGKILL a
 * node holding cluster state. Prints `{"port":N}` once listening.
 * Usage: node --import tsx test/scaleout/wired-node-main.ts <elstat|relay> <redisUrl> '<dialect config JSON>' ['<cluster options JSON>']
 */
import { createElstatDialect } from '../../src/dialects/elstat/index.js';
import { createRelayDialect } from '../../src/dialects/relay/index.js';
import type { ClusterTuning } from '../../src/cluster/index.js';
import { testConfig } from '../helpers/harness.js';
import { startWiredNode } from './wired-nodes.js';

const [dialect, redisUrl, json, clusterJson = '{}'] = process.argv.slice(2) as [string, string, string, string?];
const cluster = JSON.parse(clusterJson) as ClusterTuning;
const config = testConfig({ [dialect]: { port: 0, ...(JSON.parse(json) as object) } });
const node =
  dialect === 'elstat'
    ? await startWiredNode(redisUrl, (ports) => (ctx) => createElstatDialect(ctx, config.elstat, ports), cluster)
    : await startWiredNode(redisUrl, (ports) => (ctx) => createRelayDialect(ctx, config.relay, ports), cluster);
process.stdout.write(`${JSON.stringify({ port: node.h.port() })}\n`);
process.on('SIGTERM', () => void node.close().then(() => process.exit(0)));
