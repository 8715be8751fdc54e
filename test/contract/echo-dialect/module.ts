/**
 * The echo dialect as the registry sees it. Registered only by its test, with one line:
 * `modules: [...DIALECT_MODULES, echoModule]` (../echo.contract.test.ts).
 */
import type { DialectModule } from '../../../src/dialects/types.js';
import { echoEnv, echoSchema } from './config.js';
import { createEchoDialect, type EchoDialect } from './index.js';

export const echoModule: DialectModule<'echo', typeof echoSchema, EchoDialect> = {
  name: 'echo',
  configSchema: echoSchema,
  env: echoEnv,
  portSettings: ['port'],
  enabled: (o) => o.enabled,
  perIpCaps: (o) => [o.perIpMax],
  create: (ctx, options, ports) => createEchoDialect(ctx, options, ports),
  publisher: (dialect) => (channel, data) => dialect.publish(channel, data),
};
