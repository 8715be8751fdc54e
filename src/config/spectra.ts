import { z } from 'zod';
import { port, type EnvBinding } from './common.js';

/** The spectra dialect (seed 003, protocol-notes §4). The spectra work extends this section. */
export const spectraSchema = z
  .object({
    enabled: z.boolean().default(true),
    ingestPort: port.default(5100),
    outputPort: port.default(5200),
    statusPort: port.default(5101),
  })
  .strict()
  .prefault({});

export const spectraEnv: EnvBinding[] = [];
