/**
 * The service prober (notes §5.3 "Service checker"): one worker per service, strictly
 * sequential — check, store, publish, wait `intervalMs` — on the injected clock. Both
 * `status:<svc>` and `latency:<svc>` are published after every check, not only on change
 * (notes decision for elstat).
 */
import type { Clock, Logger } from '../../core/index.js';
import type { ElstatService } from './config.js';
import { ADAPTERS, type CheckResult } from './adapters.js';
import { ServiceHistory, type CheckRecord } from './service-history.js';

export interface ProberOptions {
  readonly clock: Clock;
  readonly log: Logger;
  readonly historyLength: number;
  readonly pingCommand: string;
  /** Called after every check, in check order per service; publishing happens here. */
  readonly onCheck: (service: ElstatService, record: CheckRecord) => Promise<void>;
  /**
   * Asked before every check; false skips it (the worker waits `intervalMs` and asks again).
   * A cluster passes "this node holds the prober lease", so services are probed once per
   * cluster (issue #7). Default: always check.
   */
  readonly shouldCheck?: () => boolean;
}

interface Worker {
  readonly service: ElstatService;
  readonly history: ServiceHistory;
  timer: unknown;
  running: boolean;
  /** Set once the ping adapter was found unavailable, so the warning is logged once. */
  warned: boolean;
}

/** Owns the service workers. `start` begins checking; services added later start at once. */
export class Prober {
  readonly #options: ProberOptions;
  readonly #workers = new Map<string, Worker>();
  /** Aborts checks in flight at stop, so no socket or child process outlives the dialect. */
  readonly #stopping = new AbortController();
  #started = false;
  #stopped = false;
  #checks = 0;

  constructor(options: ProberOptions) {
    this.#options = options;
  }

  /** Adds services (names must be new: the caller validates). Checking starts now if the prober runs. */
  add(services: readonly ElstatService[]): void {
    for (const service of services) {
      const worker: Worker = { service, history: new ServiceHistory(this.#options.historyLength), timer: null, running: false, warned: false };
      this.#workers.set(service.name, worker);
      if (this.#started && !this.#stopped) void this.#run(worker);
    }
  }

  has(name: string): boolean {
    return this.#workers.has(name);
  }

  /** Services in the order they were added. */
  services(): { service: ElstatService; history: ServiceHistory }[] {
    return [...this.#workers.values()].map((w) => ({ service: w.service, history: w.history }));
  }

  get checks(): number {
    return this.#checks;
  }

  /** Runs the first check of every service now. Idempotent. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    for (const worker of this.#workers.values()) void this.#run(worker);
  }

  /** Stops every worker; a check in flight finishes but publishes nothing. Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#stopping.abort();
    for (const worker of this.#workers.values()) {
      if (worker.timer !== null) this.#options.clock.clearTimeout(worker.timer);
      worker.timer = null;
    }
  }

  async #run(worker: Worker): Promise<void> {
    if (this.#stopped || worker.running) return;
    worker.timer = null;
    const { clock, log, pingCommand, shouldCheck } = this.#options;
    if (shouldCheck && !shouldCheck()) {
      worker.timer = clock.setTimeout(() => void this.#run(worker), worker.service.intervalMs);
      return;
    }
    worker.running = true;
    const { service } = worker;
    const time = clock.now();
    let result: CheckResult;
    try {
      result = await ADAPTERS[service.adapter]({
        target: service.target,
        timeoutMs: service.timeoutMs,
        clock,
        pingCommand,
        signal: this.#stopping.signal,
      });
    } catch (err) {
      // Adapters never throw by contract; this keeps one broken check from stopping the worker.
      result = { status: false, latency: 0, detail: (err as Error).message };
    }
    worker.running = false;
    if (this.#stopped) return;
    if (!worker.warned && result.detail?.startsWith('ping adapter unavailable')) {
      worker.warned = true;
      log.warn({ service: service.name, detail: result.detail }, 'elstat ping adapter unavailable');
    }
    const record: CheckRecord = { time, status: result.status, latency: result.latency, detail: result.detail };
    worker.history.add(record);
    this.#checks += 1;
    try {
      await this.#options.onCheck(service, record);
    } catch (err) {
      log.warn({ service: service.name, err: (err as Error).message }, 'elstat publish failed');
    }
    if (this.#stopped) return;
    worker.timer = clock.setTimeout(() => void this.#run(worker), service.intervalMs);
  }
}
