import { z } from 'zod';
import { port, type EnvBinding } from './common.js';

/** The nova dialect (seed 001, protocol-notes §2). The nova work extends this section. */
export const novaSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4002),
  })
  .strict()
  .prefault({});

export const novaEnv: EnvBinding[] = [{ name: 'STREAMHUB_NOVA_PORT', path: 'nova.port', type: 'int' }];
