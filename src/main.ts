/**
 * Entry point: parse the configuration once, start StreamHub, and shut down gracefully on
 * SIGTERM/SIGINT (stop accepting, end the clients over the drain window, exit within the deadline:
 * docs/deployment.md §8).
 */
import { ConfigError, parseConfig } from './config/index.js';
import { renderBanner } from './banner.js';
import { createLogger, resolveLogFormat } from './log.js';
import { startStreamHub } from './server.js';
import { isPrimaryOfWorkers, runPrimary, workerIndex } from './workers.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig({ env: process.env, argv: process.argv.slice(2) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`streamhub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const format = resolveLogFormat(config.server.logFormat, process.stdout.isTTY === true);
  const rootLog = createLogger({ level: config.server.logLevel, format });
  if (isPrimaryOfWorkers(config)) return runPrimary(config, rootLog);
  const worker = workerIndex(process.env);
  const log = config.server.workers > 1 ? rootLog.child({ worker }) : rootLog;
  // Multi-core mode: the demo producers run once, in worker 0.
  const effective = worker > 0 && config.server.demo ? { ...config, server: { ...config.server, demo: false } } : config;
  const server = await startStreamHub(effective, { log });
  log.info({ listeners: server.addresses, broker: server.hub.broker.name }, 'StreamHub listening');
  // A person at a terminal gets what to open; JSON consumers get only JSON lines. Worker 0 speaks for all.
  if (format === 'pretty' && worker === 0) process.stdout.write(renderBanner({ config: effective, addresses: server.addresses, broker: server.hub.broker.name }));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, deadlineMs: config.server.shutdownDeadlineMs }, 'shutting down');
    const hardStop = setTimeout(() => process.exit(1), config.server.shutdownDeadlineMs + 2_000);
    hardStop.unref();
    server.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`streamhub: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
