import { z } from 'zod';
import { port, type EnvBinding } from './common.js';

/** The relay dialect (seed 002, protocol-notes §3). The relay work extends this section. */
export const relaySchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4003),
  })
  .strict()
  .prefault({});

export const relayEnv: EnvBinding[] = [{ name: 'STREAMHUB_RELAY_PORT', path: 'relay.port', type: 'int' }];
