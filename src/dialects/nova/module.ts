/**
 * The nova dialect as the registry sees it (src/dialects/index.ts): seed 001's viewer events of
 * live video streams, its settings, the demo stream and the CLI's viewer client.
 */
import type { DialectModule } from '../types.js';
import { novaEnv, novaSchema } from './config.js';
import type { NovaDialect } from './index.js';

/** The stream `npm start` runs (DESIGN.md interface contract). */
export const DEMO_NOVA_STREAM = '550e8400-e29b-41d4-a716-446655440000';

export const novaModule: DialectModule<'nova', typeof novaSchema, NovaDialect> = {
  name: 'nova',
  configSchema: novaSchema,
  env: novaEnv,
  portSettings: ['port'],
  enabled: (o) => o.enabled,
  perIpCaps: (o) => [o.perIpMax],
  async create(ctx, options, ports) {
    const { createNovaDialect } = await import('./index.js');
    // Demo tokens are issued only while the demo producers run (and never when a secret or key is configured).
    const demo = { ...options.demo, enabled: options.demo.enabled && ctx.demo === true };
    return createNovaDialect(ctx, { ...options, demo }, ports);
  },
  async startDemo(dialect, _options, env, signal) {
    const { startNovaDemo } = await import('../../producers/nova/demo.js');
    startNovaDemo(dialect.control, { streamId: DEMO_NOVA_STREAM, clock: env.clock }, signal);
  },
  demoIds: () => `nova stream ${DEMO_NOVA_STREAM}`,
  banner({ host, tls, addresses, demo }, options) {
    const port = addresses[0]?.port;
    if (port === undefined) return [];
    const rows: [string, string][] = [['Nova viewers', `${tls ? 'wss' : 'ws'}://${host}:${port}/api/v1/streams/<stream_id>/ws?token=<JWT>`]];
    // Demo auth: demos on and no JWT secret or key configured (module.create, auth.ts).
    if (demo && options.demo.enabled && options.jwt.secret === null && options.jwt.publicKey === null) {
      rows.push(['Nova demo token', `curl ${tls ? 'https' : 'http'}://${host}:${port}/api/v1/demo/token`]);
    }
    return rows;
  },
  cli: {
    subscribeHelp: 'nova:<stream_id>        ws  /api/v1/streams/<id>/ws?token=<jwt>   (port nova.port, 4002; needs --jwt)',
    subscribeFlags: [{ flag: 'jwt', value: true, help: 'nova viewer token' }],
    subscribe: async (request) => (await import('./cli.js')).subscribeNova(request),
  },
};
