/**
 * Nova's connected viewers on this node: turns an admitted upgrade into a `NovaSession`, keeps the
 * per-stream sets the viewer-count broadcast needs, and ends every session at shutdown (issue 14).
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../../core/index.js';
import type { CounterTable } from '../../coordination/ports.js';
import { drainWithDeadline } from '../shared/lifecycle/index.js';
import type { DialectContext } from '../types.js';
import { encode, isoTime, ServerEvent } from './codec.js';
import type { StreamInfo } from './control.js';
import type { IssueReports } from './reports.js';
import { NovaSession } from './session.js';
import type { NovaSessionHost, SessionSettings } from './session-types.js';
import type { ClusterStreams } from './stream-state.js';
import type { StreamRegistry } from './streams.js';
import type { Admission } from './upgrade.js';
import type { CountBroadcast } from './viewer-counts.js';

export interface NovaViewersDeps {
  readonly ctx: DialectContext;
  readonly log: Logger;
  readonly settings: SessionSettings;
  readonly channelOf: (streamId: string) => string;
  /** The stream's public info (the control's cluster-wide lookup). */
  readonly info: (streamId: string) => Promise<StreamInfo | null>;
  readonly isLive: (streamId: string) => boolean;
  readonly registry: StreamRegistry;
  readonly streams: ClusterStreams;
  readonly counts: CounterTable;
  readonly reports: IssueReports;
}

export class NovaViewers {
  readonly #deps: NovaViewersDeps;
  readonly #sessions = new Set<NovaSession>();
  readonly #byStream = new Map<string, Set<NovaSession>>();
  /** Shared with every session, which counts into it; reported by `stats()`. */
  readonly counters = { inboundFrames: 0, protocolErrors: 0, idleTerminations: 0 };
  /** What every session shares (one object, not deps and closures per viewer: issue 19). */
  readonly #host: NovaSessionHost;

  constructor(deps: NovaViewersDeps) {
    this.#deps = deps;
    const sessions = this.#sessions;
    const byStream = this.#byStream;
    this.#host = {
      hub: deps.ctx.hub,
      clock: deps.ctx.clock,
      log: deps.log,
      settings: deps.settings,
      counters: this.counters,
      channelOf: deps.channelOf,
      info: deps.info,
      onReport: (report) => deps.reports.record(report),
      onClosed(s) {
        const { streamId, release } = s.viewer;
        sessions.delete(s);
        const set = byStream.get(streamId);
        set?.delete(s);
        if (set?.size === 0) byStream.delete(streamId);
        release();
        deps.counts.adjust(streamId, -1);
        deps.streams.unwatch(streamId);
      },
    };
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Streams with at least one viewer on this node. */
  get streamCount(): number {
    return this.#byStream.size;
  }

  accept(ws: WebSocket, admission: Admission): void {
    const { ctx, log, counts, streams } = this.#deps;
    const session = new NovaSession(this.#host, ws, admission, `session_${ctx.ids.next().replace(/[^A-Za-z0-9]/g, '')}`);
    this.#sessions.add(session);
    let set = this.#byStream.get(admission.streamId);
    if (!set) this.#byStream.set(admission.streamId, (set = new Set()));
    set.add(session);
    counts.adjust(admission.streamId, 1);
    // Follow the stream's state while it has viewers here, so isLive and the count peak stay fresh.
    streams.watch(admission.streamId).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'nova: state watch failed'));
    session.start(() => !this.#deps.isLive(admission.streamId)).catch((err: unknown) => {
      log.warn({ err: (err as Error).message, session: session.id }, 'nova: subscribe failed');
      session.close({ code: 1011, reason: 'server error' });
    });
  }

  /** One frame per stream per window, encoded once for every local viewer (DESIGN.md "Encode once"). */
  broadcastCount(update: CountBroadcast): void {
    const viewers = this.#byStream.get(update.streamId);
    if (!viewers || viewers.size === 0) return;
    const peak = this.#deps.registry.get(update.streamId)?.peakViewers ?? update.viewerCount;
    const shared = encode(ServerEvent.viewerCountChanged, {
      stream_id: update.streamId,
      viewer_count: update.viewerCount,
      peak_viewers: peak,
      change: update.change,
      timestamp: isoTime(update.time),
    });
    for (const session of viewers) session.viewerCount(shared, { count: update.viewerCount, change: update.change, peak, time: update.time });
  }

  /** Ends every viewer by the deadline; past it, whatever is left is terminated. */
  async close(deadlineMs: number, drainWindowMs: number): Promise<void> {
    const sessions = this.#sessions;
    const gone = [...sessions].map(
      (s) => new Promise<void>((resolve) => (s.ws.readyState === 3 ? resolve() : s.ws.once('close', () => resolve()))),
    );
    // Issue 14: each viewer is dropped at its own instant of the window, its queue flushed first,
    // without a close frame (NovaSession.shutdown), so the example client reconnects.
    await drainWithDeadline({
      items: sessions,
      end: (s, flushLimitMs) => s.shutdown(flushLimitMs),
      clock: this.#deps.ctx.clock,
      deadlineMs,
      drainWindowMs,
      settled: () => Promise.all(gone),
    });
    for (const session of [...sessions]) session.ws.terminate();
  }
}
