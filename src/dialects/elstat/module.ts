/**
 * The elstat dialect as the registry sees it (src/dialects/index.ts): seed 004's status-page
 * streaming, its settings, the demo services (StreamHub's own listeners) and the CLI's client.
 */
import type { DialectModule } from '../types.js';
import { elstatEnv, elstatSchema } from './config.js';
import type { ElstatDialect } from './index.js';

/** The operator listener is not a dialect: it is not probed as a demo service. */
const NOT_A_DIALECT = 'operator';

export const elstatModule: DialectModule<'elstat', typeof elstatSchema, ElstatDialect> = {
  name: 'elstat',
  configSchema: elstatSchema,
  env: elstatEnv,
  portSettings: ['port'],
  enabled: (o) => o.enabled,
  perIpCaps: (o) => [o.perIpMax],
  async create(ctx, options, ports) {
    const { createElstatDialect } = await import('./index.js');
    return createElstatDialect(ctx, options, ports);
  },
  startDemo(dialect, _options, env) {
    // DESIGN.md demo ids: one service per other dialect, probing its first listener over TCP.
    const services = Object.entries(env.addresses).flatMap(([name, listeners]) => {
      const first = listeners[0];
      if (name === 'elstat' || name === NOT_A_DIALECT || !first) return [];
      return [{ name, description: `StreamHub ${name} listener`, adapter: 'tcp' as const, target: `127.0.0.1:${first.port}` }];
    });
    dialect.addServices(services);
  },
  demoIds: (_options, enabled) => {
    const others = enabled.filter((name) => name !== 'elstat');
    return others.length > 0 ? `elstat services ${others.join(', ')}` : null;
  },
  banner: ({ host, tls, addresses }) => {
    const port = addresses[0]?.port;
    return port === undefined ? [] : [['Status page', `${tls ? 'https' : 'http'}://${host}:${port}/`]];
  },
  cli: {
    subscribeHelp: 'elstat:<status|latency>:<service>  ws /api/streaming, op 0 subscribe (port elstat.port, 4004)',
    subscribe: async (request) => (await import('./cli.js')).subscribeElstat(request),
  },
};
