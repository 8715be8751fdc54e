/**
 * The demo producers `npm start` runs on the embedded broker (DESIGN.md interface contract): each
 * enabled dialect's own (`DialectModule.startDemo`), then one start line naming the demo ids.
 */
import type { AnyDialectModule } from './dialects/index.js';
import type { DemoEnvironment, Dialect } from './dialects/types.js';

export interface DemoWiring extends DemoEnvironment {
  readonly signal: AbortSignal;
  /** A dialect's section of the configuration. */
  sectionOf(module: AnyDialectModule): unknown;
}

/** Starts every running dialect's demo producers; a dialect whose demo fails to start is logged, the others run. */
export function startDemos(running: readonly { module: AnyDialectModule; dialect: Dialect }[], w: DemoWiring): void {
  const enabled = running.map(({ module }) => module.name);
  const ids: Record<string, string> = {};
  for (const { module, dialect } of running) {
    const options = w.sectionOf(module);
    const env: DemoEnvironment = { addresses: w.addresses, tls: w.tls, dataDir: w.dataDir, clock: w.clock, log: w.log.child({ mod: `producers.${module.name}` }) };
    Promise.resolve()
      .then(() => module.startDemo?.(dialect, options, env, w.signal))
      .catch((err: unknown) => w.log.error({ dialect: module.name, err }, 'demo producer failed to start'));
    const phrase = module.demoIds?.(options, enabled);
    if (phrase) ids[module.name] = phrase;
  }
  w.log.info(ids, 'demo producers started');
}

/** The demo ids of these dialects as one sentence (the start banner). */
export function demoIdsPhrase(modules: readonly AnyDialectModule[], sectionOf: (module: AnyDialectModule) => unknown, enabled: readonly string[]): string {
  return modules.flatMap((m) => (enabled.includes(m.name) ? [m.demoIds?.(sectionOf(m), enabled) ?? null] : [])).filter(Boolean).join('; ');
}
