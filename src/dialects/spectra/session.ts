/**
 * The output side's hub Sink: one per group code per node (not per overlay socket). It turns each
 * `snapshot` of `spectra:<groupCode>` into one `match_data` broadcast to the Socket.IO room, so
 * the state is decoded once and Socket.IO encodes the packet once for the whole room
 * (STYLE rule 3). `reset` (match removed) forgets the cached state.
 */
import type { Server, Socket } from 'socket.io';
import { overBounds, type Clock, type CloseReason, type Message, type Sink } from '../../core/index.js';
import { fromBytes } from './codec.js';

export interface RoomSinkOptions {
  readonly id: string;
  readonly io: Server;
  readonly groupCode: string;
  readonly clock: Clock;
  /** At most one room-wide `match_data` per this interval on logons (see `welcome`). */
  readonly roomWelcomeIntervalMs: number;
  /** Packets buffered for one socket above which it is disconnected as a slow consumer. */
  readonly maxBufferedPackets: number;
  /** Called once when the hub gives up on the sink (shutdown, overflow). */
  readonly onClose: (sink: RoomSink, reason: CloseReason) => void;
}

export class RoomSink implements Sink {
  readonly id: string;
  readonly dialect = 'spectra';
  readonly #o: RoomSinkOptions;
  /** Per overlay socket: Engine.IO packets buffered (`spectra.outputMaxBufferedPackets`). */
  readonly #socketBound: { readonly maxMessages: number; readonly maxBytes: number };
  /** The latest state string, for the immediate `match_data` after a later logon (notes §4.4). */
  #last: string | null = null;
  /** When a logon last re-sent the state to the whole room (clock ms); -Infinity: never. */
  #lastRoomWelcome = -Infinity;

  constructor(options: RoomSinkOptions) {
    this.id = options.id;
    this.#o = options;
    this.#socketBound = { maxMessages: options.maxBufferedPackets, maxBytes: Infinity };
  }

  get last(): string | null {
    return this.#last;
  }

  deliver(batch: readonly Message[]): boolean {
    // Full state every time: of consecutive snapshots only the newest is worth sending, but the
    // one before a `reset` is a match's final state and must go out (decision "spectra").
    let pending: string | null = null;
    for (const msg of batch) {
      if (msg.kind === 'reset') {
        if (pending !== null) this.#broadcast(pending);
        pending = null;
        this.#last = null;
      } else if (msg.payload.byteLength > 0) {
        pending = fromBytes(msg.payload);
      }
    }
    if (pending !== null) {
      this.#last = pending;
      this.#broadcast(pending);
    }
    return true;
  }

  /**
   * The immediate `match_data` of a later logon (notes §4.4). The original emits it to the whole
   * room on every logon, so k overlays logging on cost k²/2 frames of the full state, and anyone
   * reconnecting in a loop makes every overlay of the room receive the state again each time (an
   * amplification; issue 19 measured logons slowing quadratically at 1,000–2,000 overlays). Here the
   * room-wide emit happens at most once per `roomWelcomeIntervalMs` (the send loop's own 100 ms);
   * within it only the new overlay gets the state. The others already hold that same state (any
   * newer one reaches them through the send loop), so no overlay sees less than with the original.
   */
  welcome(socket: Socket): void {
    if (this.#last === null) return;
    const now = this.#o.clock.now();
    if (now - this.#lastRoomWelcome >= this.#o.roomWelcomeIntervalMs) {
      this.#lastRoomWelcome = now;
      this.#broadcast(this.#last);
      return;
    }
    socket.emit('match_data', this.#last);
  }

  #broadcast(state: string): void {
    this.#o.io.to(this.#o.groupCode).emit('match_data', state);
    this.#dropSlowSockets();
  }

  close(reason: CloseReason): void {
    this.#o.onClose(this, reason);
  }

  #dropSlowSockets(): void {
    const ids = this.#o.io.sockets.adapter.rooms.get(this.#o.groupCode);
    if (!ids) return;
    for (const id of ids) {
      const socket = this.#o.io.sockets.sockets.get(id);
      // Socket.IO buffers without a bound; a consumer that stops reading is cut instead (STYLE rule 4),
      // by the core's slow-consumer bound with the `close` policy: packets counted, bytes not bounded.
      const buffered = (socket?.conn as unknown as { writeBuffer?: unknown[] } | undefined)?.writeBuffer?.length ?? 0;
      if (socket && overBounds(this.#socketBound, buffered, 0)) socket.disconnect(true);
    }
  }
}
