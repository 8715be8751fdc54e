import { z } from 'zod';
import { port, type EnvBinding } from './common.js';

/** The elstat dialect (seed 004, protocol-notes §5). The elstat work extends this section. */
export const elstatSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: port.default(4004),
  })
  .strict()
  .prefault({});

export const elstatEnv: EnvBinding[] = [{ name: 'STREAMHUB_ELSTAT_PORT', path: 'elstat.port', type: 'int' }];
