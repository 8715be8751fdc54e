/**
 * The spectra dialect as the registry sees it (src/dialects/index.ts): seed 003's Socket.IO esports
 * overlay feed, its settings, the demo observer and the CLI's overlay client.
 */
import type { DialectModule } from '../types.js';
import { spectraEnv, spectraSchema } from './config.js';
import type { SpectraDialect } from './index.js';

/** The group `npm start` runs (DESIGN.md interface contract). */
export const DEMO_SPECTRA_GROUP = 'DEMO';

export const spectraModule: DialectModule<'spectra', typeof spectraSchema, SpectraDialect> = {
  name: 'spectra',
  configSchema: spectraSchema,
  env: spectraEnv,
  portSettings: ['ingestPort', 'outputPort', 'statusPort'],
  enabled: (o) => o.enabled,
  perIpCaps: (o) => [o.ingestPerIpMax, o.outputPerIpMax],
  async create(ctx, options) {
    const { createSpectraDialect } = await import('./index.js');
    return createSpectraDialect(ctx, options);
  },
  async startDemo(dialect, options, env, signal) {
    const ingest = env.addresses.spectra?.find((a) => a.name === 'ingest');
    if (!ingest) return;
    const { startSpectraDemo } = await import('../../producers/spectra/demo.js');
    // Spectra follows the server's TLS unless INSECURE says otherwise (seed 003).
    const tls = options.insecure === false || (options.insecure === null && env.tls);
    startSpectraDemo({ ingestUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${ingest.port}`, groupCode: DEMO_SPECTRA_GROUP, authKey: dialect.producerKey }, signal);
  },
  demoIds: () => `spectra group ${DEMO_SPECTRA_GROUP}`,
  banner({ host, tls, addresses }) {
    const port = (name: string) => addresses.find((a) => a.name === name)?.port;
    const output = port('output');
    if (output === undefined) return [];
    return [['Spectra', `Socket.IO ingest :${port('ingest') ?? '-'}, overlays :${output}, ${tls ? 'https' : 'http'}://${host}:${port('status') ?? '-'}/status`]];
  },
  cli: {
    subscribeHelp: 'spectra:<groupCode>     Socket.IO logon on the output port        (spectra.outputPort, 5200)',
    subscribe: async (request) => (await import('./cli.js')).subscribeSpectraGroup(request),
  },
};
