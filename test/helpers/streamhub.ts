/** Starts a whole StreamHub (every dialect, operator listener) on free ports for end-to-end tests. */
import { parseConfig } from '../../src/config/index.js';
import { DIALECT_MODULES } from '../../src/dialects/index.js';
import { silentLogger } from '../../src/log.js';
import { startStreamHub, type StreamHub } from '../../src/server.js';

/**
 * Every listener on port 0 and loopback; demo producers off unless asked for; a shutdown ends every
 * client at once (the jittered drain has its own tests in test/shutdown/).
 */
export const ALL_PORTS_FREE: Record<string, Record<string, unknown>> = {
  server: { host: '127.0.0.1', demo: false, shutdownDrainWindowMs: 0 },
  operator: { port: 0 },
  ...Object.fromEntries(DIALECT_MODULES.map((m) => [m.name, Object.fromEntries(m.portSettings.map((key) => [key, 0]))])),
};

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export async function startTestHub(overrides: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<StreamHub> {
  const config = parseConfig({ base: merge(ALL_PORTS_FREE, overrides), env });
  return startStreamHub(config, { log: silentLogger });
}

export function portOf(hub: StreamHub, dialect: string, listener?: string): number {
  const list = hub.addresses[dialect] ?? [];
  const found = listener ? list.find((a) => a.name === listener) : list[0];
  if (!found) throw new Error(`no ${dialect} listener ${listener ?? ''}`);
  return found.port;
}
