/**
 * The spectra dialect (seed 003, protocol-notes §4): two Socket.IO 4 servers, ingest (5100) and
 * output (5200), plus the status/extras HTTP port (5101). The match state lives with the ingest
 * side (match-registry.ts) and reaches overlays through the hub channel `spectra:<groupCode>`.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/index.js';
import { createIpMatcher } from '../../net/client-ip.js';
import type { HttpListener } from '../../net/http-listener.js';
import { CloseTally, mergeCloses } from '../../net/close-tally.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress, ListenerSettings } from '../types.js';
import type { CloseReason } from '../../core/index.js';
import type { CapsGuard } from './connection-caps.js';
import { drainConnections } from './drain-connections.js';
import { MatchRegistry } from './match-registry.js';
import { createSpectraListeners } from './listeners.js';
import { openSocketServers, type SocketServers } from './socket-servers.js';
import { startupWarnings } from './startup-warnings.js';
import { tlsSettings } from './tls-settings.js';
import { parseVersionRange } from './version-range.js';

export type SpectraOptions = Config['spectra'];

/** The spectra dialect; `listen()` returns the addresses `ingest`, `output` and `status`. */
export interface SpectraDialect extends Dialect {
  readonly name: 'spectra';
  /** Matches held by this node's ingest side. */
  readonly matchCount: number;
  /**
   * A random key, made at start-up, that this node's ingest accepts like `AUTH_KEY`: the demo
   * producer logs on with it, so `npm start` works with no key configured. Never log it.
   */
  readonly producerKey: string;
}

/** Creates the dialect; bad options (an unsupported version range) throw here, synchronously. */
export function createSpectraDialect(ctx: DialectContext, options: SpectraOptions): SpectraDialect {
  const versions = parseVersionRange(options.clientVersionRange);
  const log = ctx.log.child({ dialect: 'spectra' });
  const registry = new MatchRegistry({
    hub: ctx.hub,
    clock: ctx.clock,
    log,
    emitIntervalMs: options.emitIntervalMs,
    idleRemovalMs: options.idleRemovalMs,
    idleSweepIntervalMs: options.idleSweepIntervalMs,
    maxMatches: options.maxMatches,
    maxRounds: options.maxRounds,
    teamInfoCacheSize: options.teamInfoCacheSize,
  });
  const producerKey = randomBytes(24).toString('base64url');
  const guard: CapsGuard = { isTrusted: createIpMatcher(ctx.listener.trustedProxies), closes: new CloseTally(), ipv6CapPrefix: ctx.listener.ipv6CapPrefix };
  const listeners: HttpListener[] = [];
  let sockets: SocketServers | null = null;

  return {
    name: 'spectra',
    producerKey,
    get matchCount() {
      return registry.size;
    },

    async listen(): Promise<ListenerAddress[]> {
      const settings: ListenerSettings = { ...ctx.listener, tls: await tlsSettings(options, ctx.listener.tls) };
      for (const warning of startupWarnings(options, ctx.listener)) log.warn(warning);
      const http = createSpectraListeners(options, settings, registry);
      listeners.push(http.ingest, http.output, http.status);
      sockets = openSocketServers(ctx, options, http, { registry, log, versions, producerKey, guard });
      registry.start();
      return Promise.all([http.ingest.listen(), http.output.listen(), http.status.listen()]);
    },

    stats(): DialectStats {
      const [ingestIo, outputIo] = sockets?.servers ?? [];
      const ingestConnections = ingestIo?.engine.clientsCount ?? 0;
      const outputConnections = outputIo?.engine.clientsCount ?? 0;
      return {
        connections: ingestConnections + outputConnections,
        ingestConnections,
        outputConnections,
        matches: registry.size,
        rooms: sockets?.output.roomCount ?? 0,
        closes: mergeCloses(guard.closes.snapshot(), ...listeners.map((l) => l.closes())),
      };
    },

    async close(_reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      const listenersClosed = Promise.all(listeners.map((l) => l.close(deadlineMs)));
      const servers = sockets?.servers ?? [];
      await drainConnections(servers, ctx.clock, deadlineMs, drainWindowMs);
      await registry.close();
      sockets?.ingest.close();
      sockets?.output.detachAll();
      for (const io of servers) {
        // Closing the engine drops every transport at once (clients reconnect elsewhere); a
        // namespace-level disconnect first would leave polling transports waiting for a GET.
        io.engine.close();
      }
      await listenersClosed;
    },
  };
}
