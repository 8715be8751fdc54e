/**
 * The match dialect as the registry sees it (src/dialects/index.ts): seed 000's football match
 * stream, its settings, demo producers (the synthetic match and the StatsBomb replay), the
 * operator's validated publish and the CLI client.
 */
import { DEMO_MATCH_IDS, replayStreamId } from '../../producers/match/demo-ids.js';
import type { DialectModule } from '../types.js';
import { matchEnv, matchSchema } from './config.js';
import type { MatchDialect } from './index.js';

export const matchModule: DialectModule<'match', typeof matchSchema, MatchDialect> = {
  name: 'match',
  configSchema: matchSchema,
  env: matchEnv,
  portSettings: ['port'],
  enabled: (o) => o.enabled,
  perIpCaps: (o) => [o.perIpMax],
  async create(ctx, options, ports) {
    const [{ createMatchDialect }, { matchViewerRoutes }] = await Promise.all([import('./index.js'), import('./viewer/index.js')]);
    const dialect = createMatchDialect(ctx, options, ports);
    // The viewer page on the match listener: `/` serves browsers the page, API clients the descriptor.
    for (const [path, handler] of matchViewerRoutes(dialect.routes.get('/'))) dialect.routes.set(path, handler);
    return dialect;
  },
  async startDemo(dialect, options, env, signal) {
    const { startMatchDemos } = await import('../../producers/match/index.js');
    const { speed, mock, statsbomb, statsbombDir, statsbombMatchId } = options.demo;
    startMatchDemos(dialect, { dataDir: env.dataDir, speed, mock, statsbomb, statsbombDir, statsbombMatchId, log: env.log, clock: env.clock }, signal);
  },
  demoIds(options) {
    const ids = [...(options.demo.mock ? [DEMO_MATCH_IDS.mock] : []), ...(options.demo.statsbomb ? [replayStreamId(options.demo)] : [])];
    return ids.length > 0 ? `match ${ids.join(' and ')}` : null;
  },
  banner({ host, tls, addresses, demo }) {
    const port = addresses[0]?.port;
    if (port === undefined) return [];
    return [
      ['Match viewer', `${tls ? 'https' : 'http'}://${host}:${port}/?match=${demo ? DEMO_MATCH_IDS.statsbomb : '<match_id>'}`],
      ['Match stream', `${tls ? 'wss' : 'ws'}://${host}:${port}/v1/match/<match_id>`],
    ];
  },
  publisher: (dialect) => (name, data, { idempotencyKey }) => dialect.publish(name, data as object, { idempotencyKey }),
  cli: {
    subscribeHelp: 'match:<match_id>        ws  /v1/match/<match_id>                  (port match.port, 4001)',
    subscribe: async (request) => (await import('./cli.js')).subscribeMatch(request),
  },
};
