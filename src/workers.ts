/**
 * Multi-core mode (`server.workers` > 1): the primary process forks one worker per core; every
 * worker runs a whole StreamHub and node:cluster shares each listening socket between them, so
 * connections are spread across cores. Workers share channels through the Redis broker (config
 * validation requires it), exactly as separate nodes do; demo producers run in worker 0 only.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/index.js';
import type { Logger } from './core/index.js';

/** The index of this worker (0 in single-process mode), from the environment the primary sets. */
export function workerIndex(env: NodeJS.ProcessEnv): number {
  const raw = Number(env.STREAMHUB_WORKER_INDEX ?? 0);
  return Number.isInteger(raw) && raw >= 0 ? raw : 0;
}

export function isPrimaryOfWorkers(config: Config): boolean {
  return config.server.workers > 1 && cluster.isPrimary;
}

/**
 * Runs the primary: forks the workers, restarts a dying one with a growing delay, and on
 * SIGTERM/SIGINT asks every worker to shut down gracefully, exiting once all are gone.
 */
export function runPrimary(config: Config, log: Logger): void {
  const { workers: count, workerRestartDelayMs, shutdownDeadlineMs } = config.server;
  let stopping = false;
  const delays = new Map<number, number>();
  const fork = (index: number): Worker => {
    const worker = cluster.fork({ STREAMHUB_WORKER_INDEX: String(index) });
    worker.once('exit', (code, signal) => {
      if (stopping) return;
      const delay = Math.min(30_000, delays.get(index) ?? workerRestartDelayMs);
      delays.set(index, delay * 2);
      log.error({ worker: index, code, signal, restartInMs: delay }, 'worker died; restarting');
      setTimeout(() => fork(index), delay).unref();
    });
    // A worker that stays up for a minute has recovered: its next restart starts from the base delay again.
    setTimeout(() => delays.delete(index), 60_000).unref();
    return worker;
  };
  for (let i = 0; i < count; i++) fork(i);
  log.info({ workers: count }, 'StreamHub primary started its workers');

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'primary: stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const deadline = setTimeout(() => process.exit(1), shutdownDeadlineMs + 5_000);
    deadline.unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
