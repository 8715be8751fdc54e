/**
 * Both ingest modes of the match dialect (notes §1.3 "Upstream ingest"): producers that dial in
 * to `/v1/ingest` (token checked before the upgrade), and the original's dial-out links to
 * `ingest.producerUrls`. Each connection is an IngestConnection; this file owns the set.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../config/index.js';
import type { Clock, Logger } from '../../core/index.js';
import { bearerToken, rejectUpgrade, safeEqual } from '../../net/http-reply.js';
import { isMatchId, MatchClose, queryParam } from './codec.js';
import { IngestConnection } from './ingest.js';
import { isAckMode, type AckedPosition, type AckMode } from './ingest-acks.js';
import type { JsonBounds } from '../../util/json-bounds.js';
import { createProducerClients, type ProducerClient } from './producer-client.js';
import type { SpecMessage } from './spec.js';
import { acceptWebSocket } from '../shared/ws-upgrade.js';

export interface IngestEndpointOptions {
  readonly settings: Config['match']['ingest'];
  readonly clock: Clock;
  readonly log: Logger;
  readonly handshakeTimeoutMs: number;
  /** Depth/size bounds of each ingested JSON value (server.jsonMaxDepth / jsonMaxNodes). */
  readonly jsonBounds?: JsonBounds;
  /** Publishes one validated message to a match (with the producer's idempotency key) and answers its position. */
  readonly publish: (matchId: string, message: SpecMessage, idempotencyKey?: string) => Promise<AckedPosition>;
  /** Called whenever a connection goes (the dialect waits for none to be left on close). */
  readonly onGone: () => void;
}

export class IngestEndpoint {
  readonly #o: IngestEndpointOptions;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<IngestConnection>();
  readonly #producers: ProducerClient[];

  constructor(options: IngestEndpointOptions) {
    this.#o = options;
    const s = options.settings;
    this.#wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: s.maxFrameBytes });
    this.#producers = createProducerClients(s.producerUrls, {
      clock: options.clock,
      log: options.log,
      backoff: { minMs: s.reconnectMinMs, maxMs: s.reconnectMaxMs, jitter: s.reconnectJitter },
      maxFrameBytes: s.maxFrameBytes,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      adopt: (ws) => this.#adopt(ws, null),
    });
  }

  /** Open producer connections, both directions (dial-out ones count from the connection attempt). */
  get connections(): number {
    return this.#connections.size;
  }

  /** The dial-out links, for /healthz and /admin/status. */
  get producers(): readonly ProducerClient[] {
    return this.#producers;
  }

  /** Starts the dial-out links. */
  start(): void {
    for (const producer of this.#producers) producer.start();
  }

  /** `/v1/ingest`: 404 while no token is configured, 401 on a wrong token, 400 on a bad `?match_id=` or `?acks=`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const s = this.#o.settings;
    if (s.token === null) return rejectUpgrade(socket, 404, { error: 'ingest_disabled' });
    const given = bearerToken(req) ?? queryParam(req.url, 'token');
    if (given === null || !safeEqual(given, s.token)) return rejectUpgrade(socket, 401, { error: 'unauthorized' });
    const initial = queryParam(req.url, 'match_id');
    if (initial !== null && !isMatchId(initial)) return rejectUpgrade(socket, 400, { error: 'invalid_match_id' });
    // Opt-in acknowledgements (issue 15 item 3, PROTOCOL.md §3.3); without the parameter, today's frames.
    const acks = queryParam(req.url, 'acks');
    if (acks !== null && !isAckMode(acks)) return rejectUpgrade(socket, 400, { error: 'invalid_acks' });
    if (this.#connections.size >= s.maxConnections) return rejectUpgrade(socket, 503, { error: 'too_many_producers' });
    acceptWebSocket(this.#wss, req, socket, head, (ws) => this.#adopt(ws, initial, acks));
  }

  /** Stops the dial-out links and closes every producer connection with 1001. */
  close(): void {
    for (const producer of this.#producers) producer.close();
    for (const conn of this.#connections) conn.close(MatchClose.shutdown.code, MatchClose.shutdown.reason);
    this.#wss.close();
  }

  terminate(): void {
    for (const conn of this.#connections) conn.terminate();
  }

  #adopt(ws: WebSocket, initialMatchId: string | null, acks: AckMode | null = null): void {
    const connection = new IngestConnection({
      ws,
      log: this.#o.log,
      initialMatchId,
      acks,
      inflight: { maxCount: this.#o.settings.maxInflight, maxBytes: this.#o.settings.maxInflightBytes },
      replyBufferBytes: this.#o.settings.maxFrameBytes,
      ...(this.#o.jsonBounds ? { jsonBounds: this.#o.jsonBounds } : {}),
      publish: this.#o.publish,
      onGone: (c) => {
        this.#connections.delete(c);
        this.#o.onGone();
      },
    });
    this.#connections.add(connection);
  }
}
