/**
 * StreamHub's own protocol as the registry sees it (src/dialects/index.ts; issue 18): any hub
 * channel over WebSocket and SSE on port 4005. No demo producer of its own: it reads the other
 * dialects' demo channels (`match:demo`, …) by their hub names.
 */
import type { DialectModule } from '../types.js';
import { streamhubEnv, streamhubSchema } from './config.js';
import type { StreamhubDialect } from './index.js';

/** Demo read access: the demo producers run and no way to check a token is configured. */
function demoAnonymous(options: { readonly auth: { readonly hmacSecret: string | null; readonly publicKey: string | null; readonly jwksUrl: string | null } }, demo: boolean): boolean {
  const { hmacSecret, publicKey, jwksUrl } = options.auth;
  return demo && hmacSecret === null && publicKey === null && jwksUrl === null;
}

export const streamhubModule: DialectModule<'streamhub', typeof streamhubSchema, StreamhubDialect> = {
  name: 'streamhub',
  configSchema: streamhubSchema,
  env: streamhubEnv,
  portSettings: ['port'],
  enabled: (o) => o.enabled,
  perIpCaps: (o) => [o.perIpMax],
  async create(ctx, options, ports) {
    const { createStreamhubDialect } = await import('./index.js');
    // `npm start` with no key configured: read-only access without a token to every channel, so the
    // README's first example (the SDK reading `match:demo`) works at once, as nova's demo tokens do.
    // Never once a secret, a public key or a JWKS URL is set, and never without the demo producers.
    if (demoAnonymous(options, ctx.demo === true)) {
      ctx.log.warn({ port: options.port }, 'streamhub: DEMO read access without a token is on (no STREAMHUB_JWT_SECRET / _PUBLIC_KEY / _JWKS_URL set); publishing still needs a token');
      return createStreamhubDialect(ctx, { ...options, auth: { ...options.auth, anonymous: true } }, ports);
    }
    return createStreamhubDialect(ctx, options, ports);
  },
  banner({ host, tls, addresses, demo }, options) {
    const port = addresses[0]?.port;
    if (port === undefined) return [];
    return [
      ['StreamHub protocol', `${tls ? 'wss' : 'ws'}://${host}:${port}/v1/ws`],
      ['StreamHub SSE', `${tls ? 'https' : 'http'}://${host}:${port}/v1/sse?channel=${demoAnonymous(options, demo) ? 'match:demo' : '<channel>'}`],
    ];
  },
  cli: {
    subscribeHelp: 'streamhub:<hub channel>  ws  /v1/ws, the own protocol via @streamhub/sdk (port streamhub.port, 4005; --jwt unless anonymous)',
    subscribeFlags: [{ flag: 'jwt', value: true, help: 'streamhub: protocol token (else STREAMHUB_TOKEN, else minted from STREAMHUB_JWT_SECRET)' }],
    subscribe: async (request) => (await import('./cli.js')).subscribeStreamhub(request),
    publishHelp: 'streamhub:<name>: through the own protocol via @streamhub/sdk (port streamhub.port, 4005), one\n    publication per line of standard input, each acknowledged before the next (PROTOCOL.md §11)',
    publish: async (request) => (await import('./cli.js')).publishStreamhub(request),
  },
};
