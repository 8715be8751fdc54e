/**
 * Shutdown tests: one StreamHub node with only the dialect under test, and its successor started
 * on the same ports while the old node drains (a restart or a rolling deploy behind one address).
 */
import { parseConfig } from '../../src/config/index.js';
import type { Clock } from '../../src/core/index.js';
import { DIALECT_MODULES } from '../../src/dialects/index.js';
import { silentLogger } from '../../src/log.js';
import { startStreamHub, type StreamHub } from '../../src/server.js';

/** The dialects these tests shut down (their PROTOCOL.md "Shutdown" sections); every other registered one is disabled. */
const DIALECTS = ['match', 'nova', 'relay', 'spectra', 'elstat'] as const;
export type DialectName = (typeof DIALECTS)[number];

/** The window and deadline of the tests: short, and the window well inside the deadline. */
export const SHUTDOWN = { shutdownDrainWindowMs: 400, shutdownDeadlineMs: 5_000 };

export interface NodeOptions {
  /** The dialect's own settings (ports default to 0). */
  readonly settings?: Record<string, unknown>;
  /** `server` settings merged over SHUTDOWN. */
  readonly server?: Record<string, unknown>;
  readonly clock?: Clock;
}

const portZero = (name: string): Record<string, number> => Object.fromEntries((DIALECT_MODULES.find((m) => m.name === name)?.portSettings ?? []).map((key) => [key, 0]));

/** Starts a node running `dialect` only (no operator listener, no demo producers). */
export function startNode(dialect: DialectName, options: NodeOptions = {}): Promise<StreamHub> {
  const base: Record<string, unknown> = {
    server: { host: '127.0.0.1', demo: false, ...SHUTDOWN, ...options.server },
    operator: { enabled: false },
  };
  for (const { name } of DIALECT_MODULES) base[name] = name === dialect ? { ...portZero(name), ...options.settings } : { enabled: false };
  const config = parseConfig({ base });
  return startStreamHub(config, { log: silentLogger, ...(options.clock ? { clock: options.clock } : {}) });
}

/** The ports `node` bound for `dialect`, as its settings spell them (to start a successor on the same ones). */
export function samePorts(node: StreamHub, dialect: DialectName): Record<string, number> {
  const list = node.addresses[dialect] ?? [];
  const port = (name: string) => list.find((a) => a.name === name)!.port;
  if (dialect === 'spectra') return { ingestPort: port('ingest'), outputPort: port('output'), statusPort: port('status') };
  return { port: list[0]!.port };
}
