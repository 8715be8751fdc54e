/**
 * One cluster node as a real process, wired as src/server.ts wires a node when `server.redisUrl`
 * is set (RedisBroker + createClusterServices + clusterDialectDeps), for the tests that SIGKILL a
 * node holding cluster state. Prints `{"port":N}` once listening.
 * Usage: node --import tsx test/scaleout/wired-node-main.ts <elstat|relay> <redisUrl> '<dialect config JSON>' ['<cluster options JSON>']
 */
import { clusterDialectDeps } from '../../src/cluster/index.js';
import { createElstatDialect } from '../../src/dialects/elstat/index.js';
import { createRelayDialect } from '../../src/dialects/relay/index.js';
import { testConfig } from '../helpers/harness.js';
import { startWiredNode } from './wired-nodes.js';

const [dialect, redisUrl, json, clusterJson = '{}'] = process.argv.slice(2) as [string, string, string, string?];
const cluster = JSON.parse(clusterJson) as object;
const config = testConfig({ [dialect]: { port: 0, ...(JSON.parse(json) as object) } });
const node =
  dialect === 'elstat'
    ? await startWiredNode(redisUrl, ({ services }) => (ctx) => createElstatDialect(ctx, config.elstat, clusterDialectDeps(services, config).elstat), cluster)
    : await startWiredNode(redisUrl, ({ services }) => (ctx) => createRelayDialect(ctx, config.relay, clusterDialectDeps(services, config).relay), cluster);
process.stdout.write(`${JSON.stringify({ port: node.h.port() })}\n`);
process.on('SIGTERM', () => void node.close().then(() => process.exit(0)));
