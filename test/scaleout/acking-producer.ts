/**
 * A match producer that follows match PROTOCOL.md §3.3 "Zero loss" to the letter (issue 15 item 3):
 * it connects to `/v1/ingest?acks=each&match_id=<id>`, gives every message its own `x_id`, keeps
 * each sent message until the `x_ack` naming that `x_id` arrives, and when its connection closes
 * it connects to the next node and first resends every unacknowledged message, in order, with the
 * same `x_id`s. A message that was published before the close is then acknowledged as a
 * `duplicate` and not published again.
 */
import WebSocket from 'ws';
import { matchInit, state } from '../match/fixtures.js';
import { INGEST_TOKEN } from './fault-traffic.js';

export interface AckingProducer {
  /** The last `t` generated (state frames t = 1 … sent). */
  readonly sent: number;
  /** Messages sent and not yet acknowledged (the MatchInit included). */
  readonly unacked: number;
  readonly stats: {
    acked: number;
    /** Acks with `duplicate: true`: resends the broker had already published. */
    duplicates: number;
    /** Messages sent on a new connection because they were still unacknowledged (sent before the close, or written while disconnected). */
    resent: number;
    connections: number;
    /** `x_error` answers (none expected). */
    errors: unknown[];
  };
  /** Stops generating messages (those not yet acknowledged are still resent until they are). */
  stop(): void;
  /** Stops for good and closes the connection. */
  close(): void;
}

export function ackingProducer(ports: readonly number[], matchId: string, everyMs: number): AckingProducer {
  const unacked = new Map<string, string>(); // x_id → frame, in send order
  const stats = { acked: 0, duplicates: 0, resent: 0, connections: 0, errors: [] as unknown[] };
  let t = 0;
  let node = 0;
  let stopped = false;
  let ws: WebSocket | null = null;

  const send = (xId: string, frame: string) => {
    unacked.set(xId, frame);
    if (ws?.readyState === WebSocket.OPEN) ws.send(frame);
  };

  const open = () => {
    const socket = new WebSocket(`ws://127.0.0.1:${ports[node % ports.length]}/v1/ingest?token=${INGEST_TOKEN}&acks=each&match_id=${matchId}`);
    ws = socket;
    socket.on('open', () => {
      stats.connections += 1;
      // Everything not acknowledged, oldest first, under the same x_id.
      if (stats.connections > 1) stats.resent += unacked.size;
      for (const frame of unacked.values()) socket.send(frame);
    });
    socket.on('message', (data) => {
      const answer = JSON.parse(data.toString()) as { type: string; x_id?: string; duplicate?: boolean };
      if (answer.type === 'x_ack' && answer.x_id !== undefined && unacked.delete(answer.x_id)) {
        stats.acked += 1;
        if (answer.duplicate) stats.duplicates += 1;
      } else if (answer.type === 'x_error') {
        stats.errors.push(answer);
        socket.terminate(); // publish_failed: resend from a fresh connection, in order
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (ws === socket) ws = null;
      if (stopped) return;
      node += 1; // the next node (a load balancer would do the same)
      setTimeout(open, 50);
    });
  };

  send('init', JSON.stringify({ ...matchInit(matchId), x_id: 'init' }));
  open();
  const timer = setInterval(() => {
    t += 1;
    send(`t-${t}`, JSON.stringify({ ...state(t), x_id: `t-${t}` }));
  }, everyMs);
  return {
    get sent() {
      return t;
    },
    get unacked() {
      return unacked.size;
    },
    stats,
    stop() {
      clearInterval(timer);
    },
    close() {
      clearInterval(timer);
      stopped = true;
      ws?.close();
    },
  };
}
