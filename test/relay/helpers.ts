/**
 * Relay test helpers: a relay dialect on port 0 over the real hub and memory broker, URL
 * builders, and small predicates over what a recording client received.
 */
import type { CoordinationPorts } from '../../src/coordination/ports.js';
import { createRelayDialect, type RelayDeps, type RelayDialect } from '../../src/dialects/relay/index.js';
import type { Broker, Clock } from '../../src/core/index.js';
import { startDialect, testConfig, type DialectHarness } from '../helpers/harness.js';
import type { RecordingClient } from '../helpers/ws-client.js';

export type RelayOverrides = Record<string, unknown>;

export interface RelayHarness extends DialectHarness<RelayDialect> {
  url(channel: string, key: string, kind: string): string;
  readonly base: string;
}

export async function startRelay(
  overrides: RelayOverrides = {},
  options: { clock?: Clock; broker?: Broker; ports?: CoordinationPorts; deps?: RelayDeps } = {},
): Promise<RelayHarness> {
  const settings = testConfig({ relay: { port: 0, ...overrides } }).relay;
  const h = await startDialect((ctx) => createRelayDialect(ctx, settings, options.ports, options.deps), {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.broker ? { broker: options.broker } : {}),
  });
  const base = `ws://127.0.0.1:${h.port()}`;
  return Object.assign(h, { base, url: (c: string, k: string, kind: string) => `${base}/${c}/${k}/${kind}` });
}

/** The binary messages a client received, as strings (tests send small text-like chunks). */
export function chunks(client: RecordingClient): string[] {
  return client.messages.filter((m): m is Buffer => Buffer.isBuffer(m)).map((b) => b.toString());
}

/** Text frames other than heartbeats. */
export function texts(client: RecordingClient): string[] {
  return client.messages.filter((m): m is string => typeof m === 'string' && m !== 'h');
}

/** A predicate for `until`: at least `n` binary messages (counted, not decoded: cheap on every message). */
export function hasChunks(client: RecordingClient, n: number): () => boolean {
  return () => {
    let count = 0;
    for (const m of client.messages) if (Buffer.isBuffer(m)) count += 1;
    return count >= n;
  };
}

/** Sends each string as one binary message. */
export function sendChunks(client: RecordingClient, ...parts: string[]): void {
  for (const p of parts) client.ws.send(Buffer.from(p), { binary: true });
}

/** Resolves once `predicate` holds, polling on the event loop (no fixed sleep); rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
