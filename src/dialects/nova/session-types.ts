/** What a viewer session is given by the dialect, and what it reports back. */
import type { Clock, CloseReason, Hub, Logger, QueueLimits } from '../../core/index.js';
import type { ClientCommand } from './codec.js';
import type { JsonBounds } from '../../util/json-bounds.js';
import type { StreamInfo } from './control.js';
import type { NovaSession } from './session.js';

/** The hub's stall close for nova: the connection is terminated so the example client reconnects (notes §2.4.2). */
export const STALL_CLOSE: CloseReason = { code: 1006, reason: 'slow consumer' };

export interface SessionSettings {
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxInboundPerSecond: number;
  readonly highWaterMarkBytes: number;
  readonly queue: QueueLimits;
  /** Depth/size bounds of a client frame's JSON (server.jsonMaxDepth / jsonMaxNodes); past them: PROTOCOL_ERROR, 1003. */
  readonly jsonBounds?: JsonBounds;
}

export interface IssueReport {
  readonly time: string;
  readonly streamId: string;
  readonly viewerId: string;
  readonly sessionId: string;
  readonly command: Extract<ClientCommand, { event: 'report_issue' }>;
}

/**
 * What every viewer session of the dialect shares: one object for all of them, so a session keeps
 * only its own state (issue 19: no deps object and closures per idle viewer, as MatchSessionHost).
 */
export interface NovaSessionHost {
  readonly hub: Hub;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: SessionSettings;
  /** Dialect-wide counters every session adds to. */
  readonly counters: { inboundFrames: number; protocolErrors: number; idleTerminations: number };
  /** The hub channel of a stream. */
  channelOf(streamId: string): string;
  /** The stream's cluster-wide state for `get_stream_info`, null when forgotten (issue #7). */
  info(streamId: string): Promise<StreamInfo | null>;
  onReport(report: IssueReport): void;
  /** Called once per session, when its socket is gone. */
  onClosed(session: NovaSession): void;
}

/** One viewer's own identity, from its admission (upgrade.ts). */
export interface Viewer {
  readonly streamId: string;
  readonly viewerId: string;
  readonly protocolVersion: string;
  /** Frees the viewer's connection slot (idempotent). */
  readonly release: () => void;
}
