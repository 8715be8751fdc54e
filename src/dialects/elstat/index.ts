/**
 * The elstat dialect (seed 004, protocol-notes §5): the `/api/streaming` WebSocket, the service
 * prober that feeds it, the REST status and incident API, and the status page, on one listener.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/index.js';
import type { ElstatService, ElstatServiceInput } from './config.js';
import type { CloseReason } from '../../core/index.js';
import { createIpMatcher } from '../../net/client-ip.js';
import { createHttpListener } from '../../net/http-listener.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { localCoordination } from '../../coordination/local.js';
import type { CoordinationPorts } from '../../coordination/ports.js';
import { parseWireChannel } from './codec.js';
import { ElstatConnections } from './connections.js';
import { checkPublisher, incidentBroadcaster } from './hub-publish.js';
import { createIncidentsApi } from './incidents-api.js';
import { IncidentStore } from './incidents.js';
import { Prober } from './prober.js';
import { createRestHandler } from './rest.js';
import { validateServices } from './service-validation.js';

/**
 * A service to probe, as given to `addServices` or in `elstat.services` (defaults may be left out):
 * `{ name, description?, adapter: 'http' | 'tcp' | 'ping', target, intervalMs?, timeoutMs? }`.
 * See PROTOCOL.md "Prober configuration".
 */
export type ServiceConfig = ElstatServiceInput;
export type { ElstatService };

export type ElstatOptions = Config['elstat'];

/** The elstat dialect; `addServices` lets the server add its own listeners as demo services. */
export interface ElstatDialect extends Dialect {
  /**
   * Validates and adds services; each is checked at once when the dialect is listening, else at
   * `listen()`. A name that already exists keeps its configuration (the new one is ignored and
   * logged). Throws StreamHubError ERR_CONFIG, adding none, on an invalid service or a name given twice.
   */
  addServices(services: readonly ServiceConfig[]): void;
}

export { STREAMING_PATH } from './connections.js';

const STATUS_PAGE = readFileSync(new URL('./status-page.html', import.meta.url), 'utf8');

/**
 * The lease of the node that probes (issue #7; Redis key `<prefix>leader:elstat-prober`,
 * docs/cluster.md): services are probed once per cluster while every node's clients get the
 * values through the hub. One node always holds it.
 */
export const PROBER_LEASE = 'elstat-prober';

/** Builds the dialect; nothing listens until `listen()`. The prober runs while this node holds `ports.lease(PROBER_LEASE)`. */
export function createElstatDialect(ctx: DialectContext, options: ElstatOptions, ports: CoordinationPorts = localCoordination()): ElstatDialect {
  const proberLease = ports.lease(PROBER_LEASE);
  const log = ctx.log.child({ mod: 'dialect.elstat' });
  const prober = new Prober({ clock: ctx.clock, log, historyLength: options.historyLength, pingCommand: options.pingCommand, onCheck: checkPublisher(ctx.hub), shouldCheck: () => proberLease.held() });
  const incidents = new IncidentStore(options.incidents);
  const connections = new ElstatConnections({
    ctx,
    options,
    log,
    isTrustedProxy: createIpMatcher(ctx.listener.trustedProxies),
    isValidChannel(wire) {
      const parsed = parseWireChannel(wire);
      return parsed !== null && prober.has(parsed.service);
    },
  });

  const listener = createHttpListener({
    name: 'ws',
    port: options.port,
    settings: ctx.listener,
    onRequest: createRestHandler({
      prober,
      statusPage: STATUS_PAGE,
      incidents: createIncidentsApi({
        store: incidents,
        clock: ctx.clock,
        token: options.incidents.token,
        maxBodyBytes: options.incidents.maxBodyBytes,
        jsonBounds: ctx.listener.jsonBounds,
        pageSize: options.incidents.pageSize,
        broadcast: incidentBroadcaster(ctx.hub, log),
      }),
    }),
    onUpgrade: connections.onUpgrade,
    // Issue 15 item 7: 503 `{"error":"rate_limited"}` + Retry-After; the status page retries any close with backoff.
    connectionRate: ctx.listener.connectionRate,
  });

  const validate = (services: readonly ServiceConfig[]) => validateServices(services, (name) => prober.has(name), log);
  prober.add(validate(options.services as readonly ServiceConfig[]));

  return {
    name: 'elstat',
    addServices(services) {
      prober.add(validate(services));
    },
    async listen(): Promise<ListenerAddress[]> {
      const address = await listener.listen();
      prober.start();
      connections.start();
      log.info({ port: address.port, services: prober.services().length }, 'elstat listening');
      return [address];
    },
    stats(): DialectStats {
      return {
        connections: connections.size,
        subscriptions: connections.subscriptions(),
        services: prober.services().length,
        checks: prober.checks,
        incidents: incidents.list().length,
        closes: listener.closes(),
      };
    },
    async close(reason: CloseReason, deadlineMs: number, drainWindowMs = 0): Promise<void> {
      connections.stopAccepting();
      prober.stop();
      const listenerClosed = listener.close(deadlineMs);
      await connections.drain(reason, deadlineMs, drainWindowMs);
      await listenerClosed;
      connections.closeServer();
    },
  };
}
