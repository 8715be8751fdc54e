/**
 * Test harness: a real hub on the real memory broker, with one dialect listening on port 0.
 * Usage: `const h = await startDialect((ctx) => createMatchDialect(ctx, matchConfig({ perIpMax: 2 })))`,
 * then `t.after(() => h.close())`.
 */
import { MemoryBroker } from '../../src/brokers/memory.js';
import { parseConfig, type Config, type ConfigInput } from '../../src/config/index.js';
import { Hub, randomIds, systemClock, type Clock, type Broker } from '../../src/core/index.js';
import type { Dialect, DialectContext, ListenerAddress, ListenerSettings } from '../../src/dialects/types.js';
import { silentLogger } from '../../src/log.js';

export interface DialectHarness<D extends Dialect> {
  readonly dialect: D;
  readonly hub: Hub;
  readonly broker: Broker;
  readonly addresses: ListenerAddress[];
  /** Port of the named listener (the first one when no name is given). */
  port(name?: string): number;
  close(): Promise<void>;
}

export const TEST_LISTENER: ListenerSettings = {
  host: '127.0.0.1',
  handshakeTimeoutMs: 2_000,
  trustedProxies: [],
  tls: null,
};

/** A full, validated config with `overrides` applied to the defaults (ports are not used: dialects get port 0 from the test). */
export function testConfig(overrides: ConfigInput | Record<string, unknown> = {}): Config {
  return parseConfig({ base: overrides });
}

export async function startDialect<D extends Dialect>(
  factory: (ctx: DialectContext) => D,
  options: { broker?: Broker; clock?: Clock; listener?: Partial<ListenerSettings> } = {},
): Promise<DialectHarness<D>> {
  const clock = options.clock ?? systemClock;
  const broker = options.broker ?? new MemoryBroker({ clock });
  const hub = new Hub({ broker, clock });
  await hub.start();
  const ctx: DialectContext = {
    hub,
    log: silentLogger,
    clock,
    ids: randomIds,
    listener: { ...TEST_LISTENER, ...options.listener },
  };
  const dialect = factory(ctx);
  const addresses = await dialect.listen();
  return {
    dialect,
    hub,
    broker,
    addresses,
    port(name) {
      const found = name ? addresses.find((a) => a.name === name) : addresses[0];
      if (!found) throw new Error(`no listener named ${name}`);
      return found.port;
    },
    async close() {
      await dialect.close({ code: 1001, reason: 'test over' }, 500);
      await hub.close({ code: 1001, reason: 'test over' });
    },
  };
}
