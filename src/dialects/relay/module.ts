/**
 * The relay dialect as the registry sees it (src/dialects/index.ts): seed 002's binary media relay,
 * its settings, and the CLI's relay client (`subscribe relay:<channel>`, `relay-publish`,
 * `relay-receive`).
 */
import type { DialectModule } from '../types.js';
import { RELAY_PUBLISH_HELP, RELAY_RECEIVE_HELP } from './cli-help.js';
import { relayEnv, relaySchema } from './config.js';
import type { RelayDialect } from './index.js';

export const relayModule: DialectModule<'relay', typeof relaySchema, RelayDialect> = {
  name: 'relay',
  configSchema: relaySchema,
  env: relayEnv,
  portSettings: ['port'],
  enabled: (o) => o.enabled,
  perIpCaps: (o) => [o.perIpMax],
  async create(ctx, options, ports) {
    const { createRelayDialect } = await import('./index.js');
    return createRelayDialect(ctx, options, ports);
  },
  banner: ({ host, tls, addresses }) => {
    const port = addresses[0]?.port;
    return port === undefined ? [] : [['Relay', `${tls ? 'wss' : 'ws'}://${host}:${port}/<channel>/<key>/<publish|receive|probe>`]];
  },
  cli: {
    subscribeHelp: 'relay:<channel>         ws  /<channel>/<key>/receive              (port relay.port, 4003; needs --key)',
    subscribeFlags: [
      { flag: 'key', value: true, help: 'relay stream key' },
      { flag: 'raw', value: false, help: 'relay: write the binary chunks to standard output unchanged' },
    ],
    subscribe: async (request) => (await import('./cli.js')).subscribeRelay(request),
    commands: {
      'relay-publish': {
        summary: 'relay-publish <channel> <key> [file]  push a file or standard input to a relay channel in chunks',
        help: RELAY_PUBLISH_HELP,
        valueFlags: ['chunk-size'],
        run: async (args, target, io, signal) => (await import('./cli.js')).relayPublish(args, target, io, signal),
      },
      'relay-receive': {
        summary: 'relay-receive <channel> <key>    write a relay channel to --out <file> or standard output',
        help: RELAY_RECEIVE_HELP,
        valueFlags: ['out'],
        booleanFlags: ['probe'],
        run: async (args, target, io, signal) => (await import('./cli.js')).relayReceive(args, target, io, signal),
      },
    },
  },
};
