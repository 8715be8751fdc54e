/**
 * The relay dialect (seed 002, protocol-notes §3): a binary media relay on
 * `ws://host:4003/<channel>/<key>/<publish|receive|receive-clear-cache|probe>`.
 * Every refusal is an HTTP status before the upgrade; after it, chunks flow through the hub
 * (channel `relay:<channel>`), so a publisher on one node reaches receivers on every node.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../../config/index.js';
import type { CloseReason, RetentionPolicy } from '../../core/index.js';
import { createIpMatcher } from '../../net/client-ip.js';
import { ConnectionLimiter } from '../../net/connection-limiter.js';
import { createHttpListener } from '../../net/http-listener.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { localCoordination } from '../../coordination/local.js';
import type { CoordinationPorts } from '../../coordination/ports.js';
import { RefusalText, parseRelayPath } from './codec.js';
import { createKeyVerifier, type KeyVerifier } from './key-verifier.js';
import { PUBLISHER_CLAIMS, publisherRegistry } from './publisher-registry.js';
import { RelaySessions, type RelaySessionCounts } from './sessions.js';
import { createUpgradeGate } from './upgrade-gate.js';

export { PUBLISHER_CLAIMS, publisherRegistry, type PublisherRegistry, type PublishClaim, type PublishLease } from './publisher-registry.js';
export { createKeyVerifier, type KeyVerifier } from './key-verifier.js';

export interface RelayStats extends DialectStats, RelaySessionCounts {
  readonly refused: Record<string, number>;
}

export interface RelayDialect extends Dialect {
  readonly name: 'relay';
  stats(): RelayStats;
}

/** Replaceable parts: the key check (default: from options). Coordination comes from the ports. */
export interface RelayDeps {
  readonly verifier?: KeyVerifier;
}

/** The cache as hub retention (notes §3.5): a FIFO bounded in bytes, 16 bytes charged per chunk, no count or age bound. */
export function relayRetention(options: Config['relay']): RetentionPolicy {
  return {
    maxMessages: 1_000_000_000,
    maxBytes: options.gopCacheBytes,
    overheadBytes: options.chunkOverheadBytes,
    maxAgeMs: 0,
    maxPinned: 0,
    idleTtlMs: options.channelIdleTtlMs,
  };
}

/**
 * Builds the relay dialect on `options.port` (default 4003). "One publisher per channel" is a
 * claim table of `ports` (in process on one node, a cluster-wide lease on a cluster);
 * `deps.verifier` replaces the key check chosen from `options.keyVerification`. Throws on a
 * malformed allow-list entry.
 */
export function createRelayDialect(ctx: DialectContext, options: Config['relay'], ports: CoordinationPorts = localCoordination(), deps: RelayDeps = {}): RelayDialect {
  const registry = publisherRegistry(ports.claims(PUBLISHER_CLAIMS));
  const verifier = deps.verifier ?? createKeyVerifier(options.keyVerification);
  const sessions = new RelaySessions(ctx, options, registry, relayRetention(options));
  const everyone = (list: readonly string[]) => list.includes('*');
  const exempt = everyone(options.concurrentLimitWhitelist) ? () => true : createIpMatcher(options.concurrentLimitWhitelist);
  const limiter = new ConnectionLimiter(options.perIpMax, options.totalMax, exempt, ctx.listener.ipv6CapPrefix);
  const mayPlay =
    options.playWhitelist.length === 0 || everyone(options.playWhitelist) ? () => true : createIpMatcher(options.playWhitelist);
  let closing = false;

  const gate = createUpgradeGate({
    ctx,
    limiter,
    mayPlay,
    registry,
    verifier,
    isClosing: () => closing,
    onAccept: (accepted) => sessions.open(accepted),
  });

  const listener = createHttpListener({
    name: 'ws',
    port: options.port,
    settings: ctx.listener,
    acceptExempt: exempt,
    onRequest: (req, res) => onPlainRequest(req, res),
    onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => gate.handle(req, socket, head),
    // Issue 15 item 7: 503 + Retry-After, text/plain in the original's style (PROTOCOL.md "Refusals").
    connectionRate: ctx.listener.connectionRate,
    rateLimitedBody: 'Server busy.',
  });

  return {
    name: 'relay',
    async listen(): Promise<ListenerAddress[]> {
      return [await listener.listen()];
    },
    stats(): RelayStats {
      return { ...sessions.counts(), refused: gate.refused(), keyVerification: verifier.mode, closes: listener.closes() };
    },
    async close(reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      closing = true;
      const stopped = listener.close(deadlineMs);
      await sessions.close(reason, deadlineMs, drainWindowMs);
      await stopped;
      sessions.closeServers();
    },
  };
}

/** Notes §3.2: `/` answers with the original's banner; a relay path without an upgrade is a 400; anything else 404. */
function onPlainRequest(req: IncomingMessage, res: ServerResponse): void {
  const text = (status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  };
  if (req.url === '/') return text(200, RefusalText.banner);
  const route = parseRelayPath(req.url);
  if (!route.ok) return text(route.status, route.body);
  text(400, 'Bad Request: a WebSocket upgrade is required.');
}
