/**
 * A whole StreamHub in a process of its own, for attack tests that must see whether the process
 * survives: config from `--config <file>` and the environment, JSON log lines on stdout, the
 * listeners in one `StreamHub listening` line. Like src/main.ts, it installs no handler for
 * uncaught exceptions, so an exception that escapes a timer or socket callback ends it.
 */
import { parseConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { startStreamHub } from '../../src/server.js';

const config = parseConfig({ env: process.env, argv: process.argv.slice(2) });
const log = createLogger({ level: config.server.logLevel });
const server = await startStreamHub(config, { log });
log.info({ listeners: server.addresses }, 'StreamHub listening');
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
