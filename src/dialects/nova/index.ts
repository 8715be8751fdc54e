/**
 * The nova dialect (seed 001, protocol-notes §2): viewer events of live video streams over
 * WebSocket at `/api/v1/streams/<stream_id>/ws?token=<JWT>`, plus the stream control HTTP API
 * on the same port. Wire contract: PROTOCOL.md.
 */
import { WebSocketServer } from 'ws';
import type { Config } from '../../config/index.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { localCoordination } from '../../coordination/local.js';
import type { CoordinationPorts } from '../../coordination/ports.js';
import { ConnectionLimiter } from '../../net/connection-limiter.js';
import { createIpMatcher } from '../../net/client-ip.js';
import { NovaTokenVerifier } from './auth.js';
import { warnAboutAuthMode } from './auth-warning.js';
import type { NovaControl } from './control.js';
import { createBroadcasterSide } from './broadcaster-side.js';
import { createNovaListener } from './listener.js';
import { IssueReports, type RecentReport } from './reports.js';
import { VIEWER_COUNTS_TABLE } from './viewer-counts.js';
import { sessionSettings } from './session-settings.js';
import { NovaViewers } from './viewers.js';
import { createUpgradeHandler } from './upgrade.js';

export type NovaOptions = Config['nova'];
export type { NovaControl, StreamInfo } from './control.js';
export { NovaControlError } from './control.js';
export type { RecentReport } from './reports.js';
export type { ViewerCountSource } from './viewer-counts.js';

/** The nova dialect with its broadcaster-side control and the recent viewer issue reports. */
export interface NovaDialect extends Dialect {
  /** Stream lifecycle operations (used by the control HTTP API and the demo producer). */
  readonly control: NovaControl;
  /** The newest `report_issue` reports, oldest first (bounded by `nova.recentReports`), for the admin API. */
  recentReports(): RecentReport[];
}

/** Builds the nova dialect. Viewer counts come from `ports` (this node's, or summed over a cluster's nodes). */
export function createNovaDialect(ctx: DialectContext, options: NovaOptions, ports: CoordinationPorts = localCoordination()): NovaDialect {
  const counts = ports.counters(VIEWER_COUNTS_TABLE);
  const log = ctx.log.child({ mod: 'dialect.nova' });
  const channelOf = (streamId: string) => `nova:${streamId}`;
  const { registry, streams, coalescer, control, isLive } = createBroadcasterSide({
    ctx,
    options,
    log,
    counts,
    channelOf,
    broadcast: (update) => viewers.broadcastCount(update),
  });
  const reports = new IssueReports({ capacity: options.recentReports, maxDescriptionChars: options.reportMaxDescriptionChars, log });
  const verifier = new NovaTokenVerifier(options);
  const viewers = new NovaViewers({
    ctx,
    log,
    settings: sessionSettings(options, ctx.listener.jsonBounds),
    channelOf,
    info: (streamId) => control.lookup(streamId),
    isLive,
    registry,
    streams,
    counts,
    reports,
  });
  const limiter = new ConnectionLimiter(options.perIpMax, options.totalMax, undefined, ctx.listener.ipv6CapPrefix);
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  let closing = false;

  const onUpgrade = createUpgradeHandler({
    wss,
    log,
    options,
    limiter,
    verifier,
    isTrustedProxy: createIpMatcher(ctx.listener.trustedProxies),
    isClosing: () => closing,
    stream: (id) => streams.lookup(id),
    accept: (ws, admission) => viewers.accept(ws, admission),
  });

  const listener = createNovaListener({ ctx, options, log, control, verifier, onUpgrade });

  return {
    name: 'nova',
    control,
    recentReports: () => reports.recent(),
    async listen(): Promise<ListenerAddress[]> {
      const address = await listener.listen();
      warnAboutAuthMode(log, verifier.mode, address.port);
      return [address];
    },
    stats(): DialectStats {
      return {
        connections: viewers.size,
        liveStreams: registry.liveCount(),
        knownStreams: registry.size,
        streamsWithViewers: viewers.streamCount,
        issueReports: reports.total,
        issueReportsByType: reports.byType(),
        authMode: verifier.mode,
        ...viewers.counters,
        closes: listener.closes(),
      };
    },
    async close(_reason, deadlineMs, drainWindowMs = 0) {
      closing = true;
      coalescer.close();
      streams.close();
      const listenerClosed = listener.close(Math.max(0, deadlineMs));
      await viewers.close(deadlineMs, drainWindowMs);
      await listenerClosed;
    },
  };
}
