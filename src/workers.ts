/**
 * Multi-core mode (`server.workers` > 1): the primary process forks one worker per core; every
 * worker runs a whole StreamHub and node:cluster shares each listening socket between them, so
 * connections are spread across cores. Workers share channels through the Redis broker when one
 * is configured, exactly as separate nodes do; without Redis the primary process is their broker
 * (brokers/ipc/: it assigns positions and keeps history, so a client may reconnect to any worker
 * and resume). Demo producers run in worker 0 only.
 */
import cluster, { type Worker } from 'node:cluster';
import { BrokerHost } from './brokers/ipc/host.js';
import { MemoryBroker } from './brokers/memory.js';
import { CoordinationHost } from './coordination/ipc/host.js';
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

/** A Redis (one, or shards) is configured: the workers share channels and coordination through it. */
export function usesRedis(config: Config): boolean {
  return config.server.redisUrl !== null || config.server.redisShardUrls.length > 0;
}

/** This process is a worker whose broker is the primary process (multi-core mode without Redis). */
export function usesPrimaryBroker(config: Config): boolean {
  return config.server.workers > 1 && cluster.isWorker && !usesRedis(config);
}

/**
 * Runs the primary: forks the workers, restarts a dying one with a growing delay, and on
 * SIGTERM/SIGINT asks every worker to shut down gracefully, exiting once all are gone.
 */
export async function runPrimary(config: Config, log: Logger): Promise<void> {
  const { workers: count, workerRestartDelayMs, shutdownDeadlineMs } = config.server;
  const host = usesRedis(config) ? null : await startBrokerHost(config, log);
  // Without Redis the primary also keeps the workers' shared caps, counters, claims and leases.
  const coordination = usesRedis(config) ? null : new CoordinationHost();
  let stopping = false;
  const delays = new Map<number, number>();
  const fork = (index: number): Worker => {
    const worker = cluster.fork({ STREAMHUB_WORKER_INDEX: String(index) });
    if (host) worker.once('exit', host.attach(String(worker.id), worker));
    if (coordination) worker.once('exit', coordination.attach(String(worker.id), worker));
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

/**
 * The embedded broker of multi-core mode without Redis, in the primary. Messages travel as bytes
 * (`serialization: 'advanced'`); a worker that stops taking its messages for the host's stall
 * timeout is killed and restarted: its clients reconnect to the others and resume from history.
 */
async function startBrokerHost(config: Config, log: Logger): Promise<BrokerHost> {
  cluster.setupPrimary({ serialization: 'advanced' });
  const broker = new MemoryBroker({ idempotency: { windowMs: config.server.idempotencyWindowMs, maxKeys: config.server.idempotencyMaxKeys } });
  const { maxPendingBatches, maxHeldPublishes, stallTimeoutMs } = config.server.embeddedBroker;
  const host = new BrokerHost(broker, {
    limits: { maxPendingBatches, maxHeldPublishes, stallTimeoutMs },
    log: log.child({ mod: 'broker' }),
    onStall: (workerId) => cluster.workers?.[workerId]?.process.kill('SIGKILL'),
  });
  await host.start();
  log.info({ workers: config.server.workers }, 'primary process is the broker of its workers (no Redis configured)');
  return host;
}
