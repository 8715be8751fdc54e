/**
 * The nova dialect (seed 001, protocol-notes §2): viewer events of live video streams over
 * WebSocket at `/api/v1/streams/<stream_id>/ws?token=<JWT>`, plus the stream control HTTP API
 * on the same port. Wire contract: PROTOCOL.md.
 */
import { WebSocketServer } from 'ws';
import type { Config } from '../../config/index.js';
import type { QueueLimits, RetentionPolicy } from '../../core/index.js';
import type { Dialect, DialectContext, DialectStats, ListenerAddress } from '../types.js';
import { createHttpListener } from '../shared/http-listener.js';
import { spreadDrain } from '../shared/drain.js';
import { ConnectionLimiter } from '../shared/connection-limiter.js';
import { createIpMatcher } from '../shared/client-ip.js';
import { encode, ErrorCodes, isoTime, ServerEvent } from './codec.js';
import { NovaTokenVerifier } from './auth.js';
import { HubNovaControl, type NovaControl } from './control.js';
import { createControlHandler } from './control-http.js';
import { RequestBudget } from '../shared/request-budget.js';
import { IssueReports, type RecentReport } from './reports.js';
import { StreamRegistry } from './streams.js';
import { ClusterStreams } from './stream-state.js';
import { LocalViewerCounts, ViewerCountCoalescer, type CountBroadcast, type ViewerCountSource } from './viewer-counts.js';
import { NovaSession } from './session.js';
import { STALL_CLOSE, type SessionSettings } from './session-types.js';
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

/** Builds the nova dialect. `counts` replaces the per-node viewer counts (a cluster-wide sum later). */
export function createNovaDialect(ctx: DialectContext, options: NovaOptions, counts: ViewerCountSource = new LocalViewerCounts()): NovaDialect {
  const log = ctx.log.child({ mod: 'dialect.nova' });
  const channelOf = (streamId: string) => `nova:${streamId}`;
  const registry = new StreamRegistry({ maxStreams: options.maxStreams, endedTtlMs: options.endedStreamTtlMs, now: () => ctx.clock.now() });
  // Stream state is shared through the hub (issue #7): any node answers for a stream started on another.
  const streams = new ClusterStreams({
    hub: ctx.hub,
    log,
    registry,
    stateChannelOf: (streamId) => `nova:${streamId}:state`,
    lookupTimeoutMs: options.stateLookupTimeoutMs,
    endedTtlMs: options.endedStreamTtlMs,
  });
  const sessions = new Set<NovaSession>();
  const byStream = new Map<string, Set<NovaSession>>();
  const reports = new IssueReports({ capacity: options.recentReports, maxDescriptionChars: options.reportMaxDescriptionChars, log });
  const verifier = new NovaTokenVerifier(options);
  const retention = (idleTtlMs: number): RetentionPolicy => ({
    maxMessages: options.historySize,
    maxBytes: options.historyMaxBytes,
    maxAgeMs: 0,
    maxPinned: options.maxProtected,
    idleTtlMs,
  });
  const isLive = (id: string) => registry.get(id)?.status === 'active';
  const coalescer = new ViewerCountCoalescer({
    source: counts,
    clock: ctx.clock,
    windowMs: options.viewerCountWindowMs,
    isLive,
    broadcast: (update) => broadcastCount(update),
  });
  const control = new HubNovaControl({
    hub: ctx.hub,
    clock: ctx.clock,
    registry,
    streams,
    counts,
    coalescer,
    channelOf,
    liveRetention: retention(0),
    endedRetention: retention(options.endedStreamTtlMs),
  });
  const queue: QueueLimits = {
    maxMessages: options.queue.maxMessages,
    maxBytes: options.queue.maxBytes,
    overflow: options.queue.overflow,
    overflowClose: { code: 1008, reason: 'backlog overflow' },
    stallTimeoutMs: options.queue.stallTimeoutMs,
    stallClose: STALL_CLOSE,
    maxPendingDuringReplay: options.maxPendingDuringReplay,
  };
  const settings: SessionSettings = {
    pingIntervalMs: options.pingIntervalMs,
    pingTimeoutMs: options.pingTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    maxInboundPerSecond: options.maxInboundPerSecond,
    highWaterMarkBytes: options.queue.highWaterMarkBytes,
    queue,
    jsonBounds: ctx.listener.jsonBounds,
  };
  const limiter = new ConnectionLimiter(options.perIpMax, options.totalMax, undefined, ctx.listener.ipv6CapPrefix);
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  let closing = false;
  const counters = { inboundFrames: 0, protocolErrors: 0, idleTerminations: 0 };

  /** One frame per stream per window, encoded once for every local viewer (DESIGN.md "Encode once"). */
  function broadcastCount(update: CountBroadcast): void {
    const viewers = byStream.get(update.streamId);
    if (!viewers || viewers.size === 0) return;
    const peak = registry.get(update.streamId)?.peakViewers ?? update.viewerCount;
    const shared = encode(ServerEvent.viewerCountChanged, {
      stream_id: update.streamId,
      viewer_count: update.viewerCount,
      peak_viewers: peak,
      change: update.change,
      timestamp: isoTime(update.time),
    });
    for (const session of viewers) session.viewerCount(shared, { count: update.viewerCount, change: update.change, peak, time: update.time });
  }

  const onUpgrade = createUpgradeHandler({
    wss,
    log,
    options,
    limiter,
    verifier,
    isTrustedProxy: createIpMatcher(ctx.listener.trustedProxies),
    isClosing: () => closing,
    stream: (id) => streams.lookup(id),
    accept: (ws, admission) => {
      const session = new NovaSession({
        ws,
        hub: ctx.hub,
        clock: ctx.clock,
        log,
        settings,
        streamId: admission.streamId,
        channel: channelOf(admission.streamId),
        viewerId: admission.viewerId,
        sessionId: `session_${ctx.ids.next().replace(/[^A-Za-z0-9]/g, '')}`,
        protocolVersion: admission.protocolVersion,
        info: () => control.lookup(admission.streamId),
        onReport: (report) => reports.record(report),
        counters,
        onClosed: (s) => {
          sessions.delete(s);
          const set = byStream.get(admission.streamId);
          set?.delete(s);
          if (set?.size === 0) byStream.delete(admission.streamId);
          admission.release();
          counts.adjust(admission.streamId, -1);
          streams.unwatch(admission.streamId);
        },
      });
      sessions.add(session);
      let set = byStream.get(admission.streamId);
      if (!set) byStream.set(admission.streamId, (set = new Set()));
      set.add(session);
      counts.adjust(admission.streamId, 1);
      // Follow the stream's state while it has viewers here, so isLive and the count peak stay fresh.
      streams.watch(admission.streamId).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'nova: state watch failed'));
      session.start(() => !isLive(admission.streamId)).catch((err: unknown) => {
        log.warn({ err: (err as Error).message, session: session.id }, 'nova: subscribe failed');
        session.close({ code: 1011, reason: 'server error' });
      });
    },
  });

  const listener = createHttpListener({
    name: 'ws',
    port: options.port,
    settings: ctx.listener,
    onUpgrade,
    // Issue 15 item 7: a refused upgrade is a 1006 (wasClean false) to the browser, which the example client retries.
    connectionRate: ctx.listener.connectionRate,
    rateLimitedBody: { error_code: ErrorCodes.rateLimited, error_message: 'too many new connections on this node, retry later' },
    onRequest: createControlHandler({
      control,
      controlToken: options.controlToken,
      maxBodyBytes: options.controlMaxBodyBytes,
      jsonBounds: ctx.listener.jsonBounds,
      log,
      demoToken: (viewerId) => verifier.mintDemoToken(viewerId, ctx.clock.now()),
      demoStreamId: options.demo.streamId,
      budget: new RequestBudget(options.controlInflight, ctx.clock),
    }),
  });

  return {
    name: 'nova',
    control,
    recentReports: () => reports.recent(),
    async listen(): Promise<ListenerAddress[]> {
      const address = await listener.listen();
      if (verifier.mode === 'demo') {
        // The token itself is never logged: the user fetches one from the demo route (PROTOCOL.md "Demo").
        log.warn({ port: address.port }, `nova: DEMO AUTH active (no NOVA_JWT_SECRET / NOVA_JWT_PUBLIC_KEY); get a viewer token with: curl http://localhost:${address.port}/api/v1/demo/token`);
      } else if (verifier.mode === 'none') {
        log.warn({ port: address.port }, 'nova: no NOVA_JWT_SECRET or NOVA_JWT_PUBLIC_KEY configured; every viewer will be refused (401)');
      }
      return [address];
    },
    stats(): DialectStats {
      return {
        connections: sessions.size,
        liveStreams: registry.liveCount(),
        knownStreams: registry.size,
        streamsWithViewers: byStream.size,
        issueReports: reports.total,
        issueReportsByType: reports.byType(),
        authMode: verifier.mode,
        ...counters,
      };
    },
    async close(_reason, deadlineMs, drainWindowMs = 0) {
      closing = true;
      coalescer.close();
      streams.close();
      const listenerClosed = listener.close(Math.max(0, deadlineMs));
      const gone = [...sessions].map(
        (s) => new Promise<void>((resolve) => (s.deps.ws.readyState === 3 ? resolve() : s.deps.ws.once('close', () => resolve()))),
      );
      // Issue 14: each viewer is dropped at its own instant of the window, its queue flushed first,
      // without a close frame (NovaSession.shutdown), so the example client reconnects.
      const flushLimitMs = Math.max(0, deadlineMs - drainWindowMs);
      const drain = spreadDrain(sessions, (s) => s.shutdown(flushLimitMs), { windowMs: drainWindowMs, clock: ctx.clock });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
        timer.unref();
      });
      await Promise.race([Promise.all(gone), deadline]);
      clearTimeout(timer);
      drain.endNow();
      for (const session of [...sessions]) session.deps.ws.terminate();
      await listenerClosed;
    },
  };
}
