/** What a viewer session is given by the dialect, and what it reports back. */
import type { WebSocket } from 'ws';
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

export interface SessionDeps {
  readonly ws: WebSocket;
  readonly hub: Hub;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: SessionSettings;
  readonly streamId: string;
  readonly channel: string;
  readonly viewerId: string;
  readonly sessionId: string;
  readonly protocolVersion: string;
  /** The stream's cluster-wide state for `get_stream_info`, null when forgotten (issue #7). */
  readonly info: () => Promise<StreamInfo | null>;
  readonly onReport: (report: IssueReport) => void;
  /** Dialect-wide counters this session adds to. */
  readonly counters: { inboundFrames: number; protocolErrors: number; idleTerminations: number };
  /** Called once, when the socket is gone. */
  readonly onClosed: (session: NovaSession) => void;
}
