/**
 * Port 5200 (notes §4.4): an overlay emits `logon {groupCode}`, joins the room of that raw code,
 * gets `logon_success`, then `match_data`. Rooms are fed by one hub Subscriber per group code on
 * this node, created on the room's first logon and detached when the room empties, so an observer
 * on any node reaches overlays on every node.
 */
import type { Server, Socket } from 'socket.io';
import type { Clock, Hub, IdSource, Logger, Subscriber } from '../../core/index.js';
import { queueLimitsFrom } from '../shared/lifecycle/index.js';
import { decodePayload } from './codec.js';
import type { JsonBounds } from '../../util/json-bounds.js';
import { MAX_GROUP_CODE } from './logon.js';
import { channelOf } from './match-registry.js';
import { RoomSink } from './session.js';

export interface OutputOptions {
  readonly hub: Hub;
  readonly ids: IdSource;
  readonly clock: Clock;
  readonly log: Logger;
  readonly maxBufferedPackets: number;
  /** At most one room-wide `match_data` per this interval on logons (`spectra.emitIntervalMs`); RoomSink.welcome. */
  readonly roomWelcomeIntervalMs: number;
  /** Bounds of the `logon` payload (server.jsonMaxDepth / jsonMaxNodes); past them it is ignored like bad JSON. */
  readonly jsonBounds?: JsonBounds;
}

interface Room {
  readonly sink: RoomSink;
  readonly subscriber: Subscriber;
}

/** The sink always accepts (Socket.IO buffers per socket, bounded in session.ts), so the hub queue stays tiny. */
const LIMITS = queueLimitsFrom(
  { maxMessages: 8, maxBytes: 32 << 20, overflow: 'coalesce', stallTimeoutMs: 0 },
  { overflowClose: { code: 4008, reason: 'slow consumer' }, maxPendingDuringReplay: 64 },
);

export class OutputServer {
  readonly #io: Server;
  readonly #o: OutputOptions;
  readonly #rooms = new Map<string, Room>();

  constructor(io: Server, options: OutputOptions) {
    this.#io = io;
    this.#o = options;
    io.on('connection', (socket) => {
      socket.once('logon', (raw: unknown) => this.#onLogon(socket, raw));
      socket.on('disconnect', () => this.#onLeave(socket));
      socket.on('error', (err) => options.log.debug({ err }, 'spectra output: socket error'));
    });
  }

  /** Group codes with a hub subscriber on this node. */
  get roomCount(): number {
    return this.#rooms.size;
  }

  detachAll(): void {
    for (const room of this.#rooms.values()) room.subscriber.detach();
    this.#rooms.clear();
  }

  #onLogon(socket: Socket, raw: unknown): void {
    const d = decodePayload(raw, this.#o.jsonBounds);
    const code = d?.groupCode;
    // Bad JSON is only logged: no reply, no disconnect (notes §4.4).
    if (typeof code !== 'string' || code === '' || code.length > MAX_GROUP_CODE) {
      this.#o.log.debug('spectra output: logon without a usable groupCode');
      return;
    }
    // The room is the raw code: the front end upper-cases it itself (notes §4.4).
    void socket.join(code);
    socket.data.groupCode = code;
    socket.emit('logon_success', JSON.stringify({ groupCode: code, msg: `Logon succeeded for group code ${code}` }));
    const room = this.#rooms.get(code);
    if (room) {
      room.sink.welcome(socket);
      return;
    }
    this.#openRoom(code);
  }

  #openRoom(code: string): void {
    const sink = new RoomSink({
      id: this.#o.ids.next(),
      io: this.#io,
      groupCode: code,
      clock: this.#o.clock,
      roomWelcomeIntervalMs: this.#o.roomWelcomeIntervalMs,
      maxBufferedPackets: this.#o.maxBufferedPackets,
      onClose: (closed) => {
        if (this.#rooms.get(code)?.sink !== closed) return;
        this.#rooms.delete(code);
        // Overlays reconnect and log on again, which opens a fresh subscriber.
        this.#io.in(code).disconnectSockets(true);
      },
    });
    const subscriber = this.#o.hub.attach(sink, LIMITS);
    this.#rooms.set(code, { sink, subscriber });
    // The replay (the current snapshot) goes straight to the sink: the immediate match_data.
    subscriber.subscribe(channelOf(code)).catch((err: unknown) => {
      this.#o.log.warn({ err, groupCode: code }, 'spectra output: subscribe failed');
      this.#rooms.delete(code);
      subscriber.detach();
    });
  }

  #onLeave(socket: Socket): void {
    const code = socket.data.groupCode as string | undefined;
    if (code === undefined) return;
    const members = this.#io.sockets.adapter.rooms.get(code)?.size ?? 0;
    if (members > 0) return;
    const room = this.#rooms.get(code);
    if (!room) return;
    this.#rooms.delete(code);
    room.subscriber.detach();
  }
}
